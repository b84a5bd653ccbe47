import DequeModule
import HeapModule

/// The future event list: a binary min-max heap (swift-collections) ordered by
/// time, with ties broken by insertion sequence so that two events at the
/// same microsecond always run in the order they were scheduled.
///
/// Timers armed a constant delay after "now" (timeouts, health checks, the
/// one-second tick) go to FIFO lanes instead, one lane per delay: since the
/// clock never runs backwards, each lane is already sorted, so arming and
/// firing them is O(1) and they stop bloating the heap. Lanes and heap share
/// one sequence counter, so the order of events is exactly the heap-only order.
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

    /// The ordering key alone, so choosing the next event never copies
    /// (and retains) a payload.
    @usableFromInline struct Key: Comparable {
        @usableFromInline let time: Int64
        @usableFromInline let sequence: UInt64
        @inlinable init(_ time: Int64, _ sequence: UInt64) {
            self.time = time
            self.sequence = sequence
        }
        @inlinable init(_ e: Entry) { self.init(e.time, e.sequence) }
        @inlinable static var none: Key { Key(.max, .max) }
        @inlinable static func < (a: Key, b: Key) -> Bool {
            a.time < b.time || (a.time == b.time && a.sequence < b.sequence)
        }
    }

    @usableFromInline var heap = Heap<Entry>()
    @usableFromInline var heapHead = Key.none
    @usableFromInline var nextSequence: UInt64 = 0
    @usableFromInline var lanes: [Deque<Entry>] = []
    @usableFromInline var laneHeads: [Key] = []
    @usableFromInline var laneDelays: [Int64] = []

    public init() {}

    @inlinable public var count: Int { lanes.reduce(heap.count) { $0 + $1.count } }
    @inlinable public var isEmpty: Bool { count == 0 }
    /// The time of the earliest event, if any.
    @inlinable public var nextTime: Int64? {
        let k = earliestKey().key
        return k.time == .max ? nil : k.time
    }

    @inlinable public mutating func schedule(at time: Int64, _ payload: Payload) {
        let key = Key(time, nextSequence)
        heap.insert(Entry(time: time, sequence: nextSequence, payload: payload))
        if key < heapHead { heapHead = key }
        nextSequence &+= 1
    }

    /// Schedules `payload` a constant `delay` after `now`, on the lane for that delay.
    /// `now` must never be earlier than on a previous call.
    @inlinable public mutating func schedule(after delay: Int64, from now: Int64, _ payload: Payload) {
        var lane = laneDelays.firstIndex(of: delay) ?? -1
        if lane < 0 {
            lane = lanes.count
            lanes.append(Deque())
            laneHeads.append(.none)
            laneDelays.append(delay)
        }
        let key = Key(now + delay, nextSequence)
        precondition(lanes[lane].isEmpty || !(key < Key(lanes[lane][lanes[lane].count - 1])), "a timer lane must be armed in time order")
        if lanes[lane].isEmpty { laneHeads[lane] = key }
        lanes[lane].append(Entry(time: key.time, sequence: key.sequence, payload: payload))
        nextSequence &+= 1
    }

    /// The earliest key and where it is: a lane index, or -1 for the heap.
    @inlinable func earliestKey() -> (key: Key, lane: Int) {
        var best = heapHead
        var bestLane = -1
        for i in laneHeads.indices where laneHeads[i] < best {
            best = laneHeads[i]
            bestLane = i
        }
        return (best, bestLane)
    }

    @inlinable mutating func pop(lane: Int) -> Entry {
        if lane < 0 {
            let e = heap.removeMin()
            heapHead = heap.min.map(Key.init) ?? .none
            return e
        }
        let e = lanes[lane].removeFirst()
        laneHeads[lane] = lanes[lane].first.map(Key.init) ?? .none
        return e
    }

    @inlinable public mutating func popNext() -> Entry? {
        let (key, lane) = earliestKey()
        return key.time == .max && key.sequence == .max ? nil : pop(lane: lane)
    }

    /// Pops the earliest event if it is due at or before `limit`.
    @inlinable public mutating func popNext(notAfter limit: Int64) -> Entry? {
        let (key, lane) = earliestKey()
        guard key.time <= limit, !(key.time == .max && key.sequence == .max) else { return nil }
        return pop(lane: lane)
    }

    public mutating func removeAll() {
        heap = Heap()
        heapHead = .none
        lanes = []
        laneHeads = []
        laneDelays = []
    }
}
