import DequeModule

/// The future event list: a four-ary min-heap of 16-byte keys (time, then
/// insertion sequence with the payload's slot in the low bits), so that
/// two events at the same microsecond always run in the order they were
/// scheduled. The payloads wait in a slab and never move while the keys
/// are sifted: a node's four children share one cache line, and a sift
/// moves 16 bytes a level instead of the whole event.
///
/// Timers armed a constant delay after "now" (timeouts, health checks, the
/// one-second tick) go to FIFO lanes instead, one lane per delay: since the
/// clock never runs backwards, each lane is already sorted, so arming and
/// firing them is O(1) and they stop bloating the heap. Lanes and heap share
/// one sequence counter, so the order of events is exactly the heap-only order.
///
/// A lane timer can be cancelled by its handle (`cancel(_:replacingWith:)`):
/// its payload is swapped for a caller's no-op at once, so whatever the
/// payload referenced is let go while it is still in cache, instead of
/// being held until the timer comes due. The entry keeps its place, so
/// the order and number of events processed do not change.
///
/// `Payload` is meant to be a small value type (an enum of integers and
/// references): steady-state scheduling allocates nothing once the heap
/// and the slab have grown to their working size.
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

    /// A heap key: the time, and the sequence (high 40 bits) with the slab
    /// slot of its payload (low 24 bits). Sequences are unique, so the
    /// slot never decides an order.
    @usableFromInline struct HeapKey {
        @usableFromInline let time: Int64
        @usableFromInline let sequenceAndSlot: UInt64
        @inlinable init(time: Int64, sequenceAndSlot: UInt64) {
            self.time = time
            self.sequenceAndSlot = sequenceAndSlot
        }
        @inlinable static func < (a: HeapKey, b: HeapKey) -> Bool {
            a.time < b.time || (a.time == b.time && a.sequenceAndSlot < b.sequenceAndSlot)
        }
        @inlinable var sequence: UInt64 { sequenceAndSlot >> EventQueue.slotBits }
        @inlinable var slot: Int { Int(truncatingIfNeeded: sequenceAndSlot & EventQueue.slotMask) }
    }
    @usableFromInline static var slotBits: UInt64 { 24 }
    @usableFromInline static var slotMask: UInt64 { (1 << slotBits) - 1 }

    /// The heap's keys, the slab of payloads they point into, and the
    /// slab's free slots, in memory of their own: one uniqueness check an
    /// operation (copy on write), then plain loads and stores. A slot holds
    /// a payload exactly while a heap key names it.
    @usableFromInline final class HeapStorage {
        @usableFromInline var keys: UnsafeMutablePointer<HeapKey>
        @usableFromInline var count = 0
        @usableFromInline var payloads: UnsafeMutablePointer<Payload>
        /// Slots handed out so far (the free list holds those given back).
        @usableFromInline var slotsUsed = 0
        @usableFromInline var free: UnsafeMutablePointer<Int32>
        @usableFromInline var freeCount = 0
        /// Keys and slots each have room for this many.
        @usableFromInline var capacity: Int

        @usableFromInline init(capacity: Int) {
            self.capacity = capacity
            keys = .allocate(capacity: capacity)
            payloads = .allocate(capacity: capacity)
            free = .allocate(capacity: capacity)
        }

        deinit {
            for i in 0..<count { (payloads + keys[i].slot).deinitialize(count: 1) }
            keys.deallocate()
            payloads.deallocate()
            free.deallocate()
        }

        /// A copy with room for `capacity` (at least this one's).
        @usableFromInline func copy(capacity newCapacity: Int) -> HeapStorage {
            let c = HeapStorage(capacity: Swift.max(newCapacity, capacity))
            c.keys.initialize(from: keys, count: count)
            c.count = count
            for i in 0..<count { (c.payloads + keys[i].slot).initialize(to: payloads[keys[i].slot]) }
            c.slotsUsed = slotsUsed
            c.free.initialize(from: free, count: freeCount)
            c.freeCount = freeCount
            return c
        }
    }

    @usableFromInline var storage = HeapStorage(capacity: 64)
    @usableFromInline var heapHead = Key.none
    @usableFromInline var nextSequence: UInt64 = 0
    @usableFromInline var lanes: [Deque<Entry>] = []
    @usableFromInline var laneHeads: [Key] = []
    @usableFromInline var laneDelays: [Int64] = []
    /// Timers each lane has handed out (or dropped) so far: a handle's
    /// index less this is its current place in the lane.
    @usableFromInline var lanePopped: [Int] = []
    /// The earliest lane head and its lane (-1: every lane empty), kept so
    /// that an event from the heap does not scan the lanes.
    @usableFromInline var laneFirst = Key.none
    @usableFromInline var laneFirstIndex = -1

    public init() {}

    @inlinable public var count: Int { lanes.reduce(storage.count) { $0 + $1.count } }
    @inlinable public var isEmpty: Bool { count == 0 }
    /// The time of the earliest event, if any.
    @inlinable public var nextTime: Int64? {
        let k = earliestKey().key
        return k.time == .max ? nil : k.time
    }

    /// Reads the heap's keys through in order (see `Simulation.warmAfterIdle`);
    /// returns their times' sum so the reads stay.
    public func readKeysThrough() -> Int64 {
        var sum: Int64 = 0
        var i = 0
        while i < storage.count {
            sum &+= storage.keys[i].time
            i += 4
        }
        return sum
    }

    /// Makes the heap's storage this queue's own, with room for one more event.
    @inlinable mutating func reserveOne() {
        // Live slots are `count` of `slotsUsed`: a heap with room has a slot free.
        let full = storage.count == storage.capacity
        if full || !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy(capacity: full ? storage.capacity * 2 : storage.capacity)
        }
    }

    @inlinable public mutating func schedule(at time: Int64, _ payload: Payload) {
        precondition(nextSequence < 1 << (64 - EventQueue.slotBits), "the event sequence is exhausted")
        reserveOne()
        let s = storage
        let slot: Int
        if s.freeCount > 0 {
            s.freeCount -= 1
            slot = Int(s.free[s.freeCount])
        } else {
            slot = s.slotsUsed
            precondition(slot <= Int(EventQueue.slotMask), "more than 16 million events pending")
            s.slotsUsed += 1
        }
        (s.payloads + slot).initialize(to: payload)
        let key = HeapKey(time: time, sequenceAndSlot: nextSequence << EventQueue.slotBits | UInt64(slot))
        // Sift up: parents larger than the new key move down into the hole.
        let h = s.keys
        var i = s.count
        s.count += 1
        while i > 0 {
            let parent = (i - 1) >> 2
            guard key < h[parent] else { break }
            h[i] = h[parent]
            i = parent
        }
        h[i] = key
        let k = Key(time, nextSequence)
        if k < heapHead { heapHead = k }
        nextSequence &+= 1
    }

    /// Removes the heap's smallest key (the heap must not be empty and its
    /// storage this queue's own). The last key sinks from the top. (Sinking
    /// the hole to a leaf and raising the last key from there, Floyd's way,
    /// costs more here: the last key is often a near event.)
    @inlinable mutating func removeHeapMin() -> HeapKey {
        let s = storage
        let h = s.keys
        let top = h[0]
        s.count -= 1
        let n = s.count
        guard n > 0 else { return top }
        let last = h[n]
        var i = 0
        while true {
            let first = 4 &* i &+ 1
            if first >= n { break }
            var best = first
            let end = Swift.min(first &+ 4, n)
            var c = first &+ 1
            while c < end {
                if h[c] < h[best] { best = c }
                c &+= 1
            }
            guard h[best] < last else { break }
            h[i] = h[best]
            i = best
        }
        h[i] = last
        return top
    }

    /// Names one lane timer, for `cancel`: its lane, and its place in the
    /// lane counted from the lane's first timer ever, packed (0 is no timer).
    public struct TimerHandle: Equatable, Sendable {
        @usableFromInline let raw: UInt64
        @inlinable init(lane: Int, index: Int) { raw = UInt64(index) << 16 | UInt64(lane + 1) }
        @inlinable init() { raw = 0 }
        public static var none: TimerHandle { TimerHandle() }
        @inlinable var lane: Int { Int(raw & 0xFFFF) - 1 }
        @inlinable var index: Int { Int(raw >> 16) }
    }

    /// Schedules `payload` a constant `delay` after `now`, on the lane for that delay.
    /// `now` must never be earlier than on a previous call.
    @inlinable @discardableResult
    public mutating func schedule(after delay: Int64, from now: Int64, _ payload: Payload) -> TimerHandle {
        precondition(delay >= 0, "a timer's delay is not negative")
        let lane = self.lane(named: delay)
        let key = Key(now + delay, nextSequence)
        precondition(lanes[lane].isEmpty || !(key < Key(lanes[lane][lanes[lane].count - 1])), "a timer lane must be armed in time order")
        append(key, payload, toLane: lane)
        return TimerHandle(lane: lane, index: lanePopped[lane] + lanes[lane].count - 1)
    }

    /// The lane named `name` (a delay, or a negative name for an ordered
    /// lane), made on first use.
    @inlinable mutating func lane(named name: Int64) -> Int {
        if let lane = laneDelays.firstIndex(of: name) { return lane }
        precondition(lanes.count < 0xFFFF, "more than 65,534 timer lanes")
        lanes.append(Deque())
        laneHeads.append(.none)
        laneDelays.append(name)
        lanePopped.append(0)
        return lanes.count - 1
    }

    /// Schedules `payload` at `time` for a caller that hands its events
    /// over in time order (a batch it has sorted): they wait on the ordered
    /// lane `name` (negative, apart from the delay lanes) and never enter
    /// the heap. An event earlier than the lane's last goes to the heap.
    /// Either way it gets the key `schedule(at:)` would give it, so the
    /// order in which events come out is the same.
    @inlinable public mutating func schedule(at time: Int64, orderedLane name: Int64, _ payload: Payload) {
        precondition(name < 0, "an ordered lane's name is negative")
        let lane = self.lane(named: name)
        let key = Key(time, nextSequence)
        if let last = lanes[lane].last, key < Key(last) { return schedule(at: time, payload) }
        append(key, payload, toLane: lane)
    }

    /// Puts an event with the next sequence at the end of a lane.
    @inlinable mutating func append(_ key: Key, _ payload: Payload, toLane lane: Int) {
        if lanes[lane].isEmpty {
            laneHeads[lane] = key
            if key < laneFirst { laneFirst = key; laneFirstIndex = lane }
        }
        lanes[lane].append(Entry(time: key.time, sequence: key.sequence, payload: payload))
        nextSequence &+= 1
    }

    /// Replaces a lane timer's payload with `tombstone` if it is still
    /// pending; a timer that has fired (or `.none`) is left alone. Returns
    /// whether it was pending. O(1): the handle says where it is.
    @inlinable @discardableResult
    public mutating func cancel(_ handle: TimerHandle, replacingWith tombstone: Payload) -> Bool {
        guard handle != .none else { return false }
        let lane = handle.lane
        let place = handle.index - lanePopped[lane]
        guard place >= 0 else { return false }
        precondition(place < lanes[lane].count, "a timer handle from the future")
        lanes[lane][place] = Entry(time: lanes[lane][place].time, sequence: lanes[lane][place].sequence, payload: tombstone)
        return true
    }

    /// The earliest key and where it is: a lane index, or -1 for the heap.
    @inlinable func earliestKey() -> (key: Key, lane: Int) {
        laneFirst < heapHead ? (laneFirst, laneFirstIndex) : (heapHead, -1)
    }

    /// Finds the earliest lane head again, after a lane's head changed.
    @inlinable mutating func findLaneFirst() {
        var best = Key.none
        var bestLane = -1
        for i in laneHeads.indices where laneHeads[i] < best {
            best = laneHeads[i]
            bestLane = i
        }
        laneFirst = best
        laneFirstIndex = bestLane
    }

    @inlinable mutating func pop(lane: Int) -> Entry {
        if lane < 0 {
            if !isKnownUniquelyReferenced(&storage) { storage = storage.copy(capacity: storage.capacity) }
            let k = removeHeapMin()
            let s = storage
            heapHead = s.count > 0 ? Key(s.keys[0].time, s.keys[0].sequence) : .none
            let slot = k.slot
            let payload = (s.payloads + slot).move()
            s.free[s.freeCount] = Int32(truncatingIfNeeded: slot)
            s.freeCount += 1
            return Entry(time: k.time, sequence: k.sequence, payload: payload)
        }
        let e = lanes[lane].removeFirst()
        lanePopped[lane] += 1
        laneHeads[lane] = lanes[lane].first.map(Key.init) ?? .none
        findLaneFirst()
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
        storage = HeapStorage(capacity: 64)
        heapHead = .none
        laneFirst = .none
        laneFirstIndex = -1
        // The lanes stay, emptied, so a handle from before stays pointing at a timer that is gone.
        for i in lanes.indices {
            lanePopped[i] += lanes[i].count
            lanes[i].removeAll()
            laneHeads[i] = .none
        }
    }
}
