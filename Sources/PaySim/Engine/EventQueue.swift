import HeapModule

/// The future event list: a binary min-max heap (swift-collections) ordered by
/// time, with ties broken by insertion sequence so that two events at the
/// same microsecond always run in the order they were scheduled.
///
/// `Payload` is meant to be a small value type (an enum of integers and
/// references): scheduling copies it into the heap's storage, so steady-state
/// scheduling allocates nothing once the heap has grown to its working size.
public struct EventQueue<Payload> {
    public struct Entry: Comparable {
        public let time: Int64
        public let sequence: UInt64
        public let payload: Payload
        @inlinable init(time: Int64, sequence: UInt64, payload: Payload) {
            self.time = time
            self.sequence = sequence
            self.payload = payload
        }
        @inlinable public static func < (a: Entry, b: Entry) -> Bool {
            a.time < b.time || (a.time == b.time && a.sequence < b.sequence)
        }
        @inlinable public static func == (a: Entry, b: Entry) -> Bool {
            a.time == b.time && a.sequence == b.sequence
        }
    }

    @usableFromInline var heap = Heap<Entry>()
    @usableFromInline var nextSequence: UInt64 = 0

    public init() {}

    @inlinable public var count: Int { heap.count }
    @inlinable public var isEmpty: Bool { heap.isEmpty }
    /// The time of the earliest event, if any.
    @inlinable public var nextTime: Int64? { heap.min?.time }

    @inlinable public mutating func schedule(at time: Int64, _ payload: Payload) {
        heap.insert(Entry(time: time, sequence: nextSequence, payload: payload))
        nextSequence &+= 1
    }

    @inlinable public mutating func popNext() -> Entry? { heap.popMin() }

    /// Pops the earliest event if it is due at or before `limit`.
    @inlinable public mutating func popNext(notAfter limit: Int64) -> Entry? {
        guard let t = heap.min?.time, t <= limit else { return nil }
        return heap.popMin()
    }

    public mutating func removeAll() { heap = Heap() }
}
