/// A hash map from `Int64` ids to values, for the engine's hot tables
/// (transactions in flight, open records, requests on a node, cache slots,
/// idempotency keys).
///
/// Open addressing with linear probing, Fibonacci hashing and backward-shift
/// deletion, so there are no tombstones and a lookup touches one or two cache
/// lines. Unlike `Dictionary` it does not run SipHash on every access, and
/// its iteration order is a function of the operations performed, never of
/// a per-process seed. It has value semantics (copy on write).
///
/// `Int64.min` is reserved to mark an empty slot and cannot be a key.
/// The rules of the open-addressed tables keyed by `Int64` (`Int64Map` and
/// the embedded cache's table): where a key's probe run starts, and which
/// members backward-shift deletion may move into a hole.
@usableFromInline enum LinearProbing {
    /// A key's home slot in a table of `1 << (64 - shift)` slots (Fibonacci hashing).
    @inlinable @inline(__always) static func home(_ key: Int64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }

    /// Whether the member at slot `j`, whose home is `home`, may move back
    /// into the hole at `hole`: not when its home lies cyclically in (hole, j].
    @inlinable @inline(__always) static func mayMove(from j: Int, home h: Int, into hole: Int) -> Bool {
        !(hole <= j ? (hole < h && h <= j) : (hole < h || h <= j))
    }
}

public struct Int64Map<Value> {
    @usableFromInline final class Storage {
        /// Slots of a key and, where the key is not `Int64.min`, its value
        /// right after it: a lookup that finds its key has its value in the
        /// same cache line.
        @usableFromInline let slots: UnsafeMutableRawPointer
        @usableFromInline let capacity: Int
        @usableFromInline let shift: UInt64
        @usableFromInline var count = 0

        @inlinable @inline(__always) static var alignment: Int { Swift.max(MemoryLayout<Int64>.alignment, MemoryLayout<Value>.alignment) }
        /// Where a slot's value starts: after its key, aligned for the value.
        @inlinable @inline(__always) static var valueOffset: Int { Swift.max(MemoryLayout<Int64>.size, MemoryLayout<Value>.alignment) }
        @inlinable @inline(__always) static var slotStride: Int {
            (valueOffset + MemoryLayout<Value>.size + alignment - 1) / alignment * alignment
        }

        @usableFromInline init(capacity: Int) {
            precondition(capacity >= 16 && capacity.nonzeroBitCount == 1)
            self.capacity = capacity
            shift = UInt64(64 - capacity.trailingZeroBitCount)
            slots = .allocate(byteCount: capacity * Storage.slotStride, alignment: Storage.alignment)
            for i in 0..<capacity { slots.storeBytes(of: Int64.min, toByteOffset: i * Storage.slotStride, as: Int64.self) }
        }

        deinit {
            for i in 0..<capacity where key(at: i) != Int64.min { value(at: i).deinitialize(count: 1) }
            slots.deallocate()
        }

        @inlinable @inline(__always) func key(at slot: Int) -> Int64 {
            slots.load(fromByteOffset: slot &* Storage.slotStride, as: Int64.self)
        }
        @inlinable @inline(__always) func setKey(_ key: Int64, at slot: Int) {
            slots.storeBytes(of: key, toByteOffset: slot &* Storage.slotStride, as: Int64.self)
        }
        @inlinable @inline(__always) func valueAddress(_ slot: Int) -> UnsafeMutableRawPointer {
            slots + (slot &* Storage.slotStride &+ Storage.valueOffset)
        }
        /// The value of a slot; initialised exactly where the slot holds a key.
        @inlinable @inline(__always) func value(at slot: Int) -> UnsafeMutablePointer<Value> {
            valueAddress(slot).assumingMemoryBound(to: Value.self)
        }
        @inlinable @inline(__always) func initializeValue(_ value: Value, at slot: Int) {
            valueAddress(slot).initializeMemory(as: Value.self, repeating: value, count: 1)
        }

        @inlinable @inline(__always) func home(_ key: Int64) -> Int { LinearProbing.home(key, shift: shift) }

        /// The slot holding `key`, or the empty slot where it would go as `-(slot + 1)`.
        @inlinable @inline(__always) func find(_ key: Int64) -> Int {
            let mask = capacity - 1
            var i = home(key)
            while true {
                let k = self.key(at: i)
                if k == key { return i }
                if k == Int64.min { return -(i + 1) }
                i = (i + 1) & mask
            }
        }

        /// Places a key known to be absent (used when growing and copying).
        @usableFromInline func insertNew(_ key: Int64, _ value: Value) {
            let slot = -(find(key) + 1)
            setKey(key, at: slot)
            initializeValue(value, at: slot)
            count += 1
        }

        /// Empties `slot` and shifts later members of its probe run back,
        /// so every key stays reachable from its home slot without tombstones.
        @usableFromInline func remove(at slot: Int) -> Value {
            let mask = capacity - 1
            let removed = value(at: slot).move()
            var hole = slot
            var j = slot
            while true {
                j = (j + 1) & mask
                let k = key(at: j)
                if k == Int64.min { break }
                if LinearProbing.mayMove(from: j, home: home(k), into: hole) {
                    setKey(k, at: hole)
                    value(at: hole).moveInitialize(from: value(at: j), count: 1)
                    hole = j
                }
            }
            setKey(Int64.min, at: hole)
            count -= 1
            return removed
        }

        @usableFromInline func resized(to newCapacity: Int) -> Storage {
            let s = Storage(capacity: newCapacity)
            for i in 0..<capacity where key(at: i) != Int64.min { s.insertNew(key(at: i), value(at: i).pointee) }
            return s
        }
    }

    @usableFromInline var storage: Storage

    public init(minimumCapacity: Int = 0) {
        var capacity = 16
        while capacity * 7 < minimumCapacity * 10 { capacity *= 2 }
        storage = Storage(capacity: capacity)
    }

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.count == 0 }

    @inlinable public func contains(_ key: Int64) -> Bool { storage.find(key) >= 0 }

    @inlinable public subscript(key: Int64) -> Value? {
        get {
            let slot = storage.find(key)
            return slot >= 0 ? storage.value(at: slot).pointee : nil
        }
        set {
            if let newValue { updateValue(newValue, forKey: key) } else { removeValue(forKey: key) }
        }
    }

    @inlinable mutating func makeUnique(adding extra: Int) {
        let needed = storage.count + extra
        let grow = needed * 10 > storage.capacity * 7
        if grow || !isKnownUniquelyReferenced(&storage) {
            storage = storage.resized(to: grow ? storage.capacity * 2 : storage.capacity)
        }
    }

    /// Sets the value for `key` and returns the one it replaced, if any.
    @inlinable @discardableResult
    public mutating func updateValue(_ value: Value, forKey key: Int64) -> Value? {
        precondition(key != Int64.min, "Int64.min cannot be a key")
        makeUnique(adding: 1)
        let slot = storage.find(key)
        if slot >= 0 {
            let old = storage.value(at: slot).move()
            storage.initializeValue(value, at: slot)
            return old
        }
        let free = -(slot + 1)
        storage.setKey(key, at: free)
        storage.initializeValue(value, at: free)
        storage.count += 1
        return nil
    }

    /// Inserts `key` if absent; returns whether it was inserted.
    @inlinable @discardableResult
    public mutating func insertIfAbsent(_ key: Int64, _ value: Value) -> Bool {
        if contains(key) { return false }
        updateValue(value, forKey: key)
        return true
    }

    @inlinable @discardableResult
    public mutating func removeValue(forKey key: Int64) -> Value? {
        if !isKnownUniquelyReferenced(&storage) {
            guard contains(key) else { return nil }
            storage = storage.resized(to: storage.capacity)
        }
        let slot = storage.find(key)
        return slot >= 0 ? storage.remove(at: slot) : nil
    }

    public mutating func removeAll(keepingCapacity keep: Bool = false) {
        storage = Storage(capacity: keep ? storage.capacity : 16)
    }

    /// The keys, in slot order.
    public var keys: [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(count)
        for i in 0..<storage.capacity where storage.key(at: i) != Int64.min { out.append(storage.key(at: i)) }
        return out
    }
    /// The values, in slot order, without copying them into an array.
    public var values: LazyMapSequence<Int64Map<Value>, Value> { lazy.map { $0.value } }
}

extension Int64Map: Sequence {
    public struct Iterator: IteratorProtocol {
        let storage: Storage
        var slot = 0
        public mutating func next() -> (key: Int64, value: Value)? {
            while slot < storage.capacity {
                defer { slot += 1 }
                let k = storage.key(at: slot)
                if k != Int64.min { return (k, storage.value(at: slot).pointee) }
            }
            return nil
        }
    }
    public func makeIterator() -> Iterator { Iterator(storage: storage) }
    public var underestimatedCount: Int { count }
}

/// A set of non-negative `Int64` ids that are handed out in sequence, as
/// bits in pages of 4,096 consecutive ids: an id costs a bit rather than a
/// hash slot, and ids close in time share cache lines. Pages are made when
/// their first id arrives and given back when their last one leaves.
public struct SequentialIDSet {
    static let pageShift = 12
    static let wordsPerPage = (1 << pageShift) / 64

    private var pageOf = Int64Map<Int32>()
    private var words: [UInt64] = []
    private var members: [Int32] = []
    private var freePages: [Int32] = []
    public private(set) var count = 0

    public init() {}

    @inline(__always) private static func place(_ id: Int64) -> (page: Int64, word: Int, bit: UInt64) {
        precondition(id >= 0, "ids are non-negative")
        let offset = Int(id & Int64((1 << pageShift) - 1))
        return (id >> Int64(pageShift), offset >> 6, 1 << UInt64(offset & 63))
    }

    public func contains(_ id: Int64) -> Bool {
        let (page, word, bit) = Self.place(id)
        guard let p = pageOf[page] else { return false }
        return words[Int(p) * Self.wordsPerPage + word] & bit != 0
    }

    /// Returns whether `id` was absent and is now present.
    @discardableResult public mutating func insert(_ id: Int64) -> Bool {
        let (page, word, bit) = Self.place(id)
        let p: Int
        if let existing = pageOf[page] {
            p = Int(existing)
        } else if let reused = freePages.popLast() {
            p = Int(reused)
            pageOf[page] = reused
        } else {
            p = members.count
            members.append(0)
            words.append(contentsOf: repeatElement(0, count: Self.wordsPerPage))
            pageOf[page] = Int32(p)
        }
        let w = p * Self.wordsPerPage + word
        guard words[w] & bit == 0 else { return false }
        words[w] |= bit
        members[p] += 1
        count += 1
        return true
    }

    /// Returns whether `id` was present.
    @discardableResult public mutating func remove(_ id: Int64) -> Bool {
        let (page, word, bit) = Self.place(id)
        guard let stored = pageOf[page] else { return false }
        let p = Int(stored)
        let w = p * Self.wordsPerPage + word
        guard words[w] & bit != 0 else { return false }
        words[w] &= ~bit
        members[p] -= 1
        count -= 1
        if members[p] == 0 {
            pageOf[page] = nil
            freePages.append(stored)
        }
        return true
    }
}
