/// An in-process LRU cache with per-entry TTL in simulated time.
///
/// The entries live in the hash table itself (open addressing, linear
/// probing, backward-shift deletion, as `Int64Map`), linked into a recency
/// list by slot: a hit finds its key, value, expiry and links on one cache
/// line and touches its two neighbours to move to the head. Steady-state
/// gets and sets allocate nothing. When a deletion shifts an entry back a
/// slot, its neighbours' links follow it. Expired entries are dropped when
/// touched (as Redis does lazily) and when eviction reaches them.
public final class EmbeddedCache: CacheTier {
    public let backendName = "embedded"
    /// An entry, 32 bytes; `key == Int64.min` marks an empty slot.
    private struct Entry {
        var key: Int64
        var value: Int64
        var expiresAt: Int64
        var prev: Int32
        var next: Int32
        static var empty: Entry { Entry(key: .min, value: 0, expiresAt: 0, prev: -1, next: -1) }
    }
    private var table: UnsafeMutablePointer<Entry>
    /// Slots in `table`, a power of two kept at most 70% full.
    private var slots: Int
    private var shift: UInt64
    public private(set) var count = 0
    /// Most recently used at the head, least at the tail.
    private var head: Int32 = -1
    private var tail: Int32 = -1
    private var capacity: Int
    public private(set) var stats = CacheStats()

    public init(capacity: Int) {
        precondition(capacity >= 1)
        self.capacity = capacity
        stats.capacity = capacity
        slots = 64
        shift = UInt64(64 - 6)
        table = .allocate(capacity: slots)
        table.initialize(repeating: .empty, count: slots)
    }

    deinit { table.deallocate() }

    public var isAvailable: Bool { true }

    @inline(__always) private func home(_ key: Int64) -> Int { LinearProbing.home(key, shift: shift) }

    /// The slot holding `key`, or the empty slot where it would go as `-(slot + 1)`.
    @inline(__always) private func find(_ key: Int64) -> Int {
        let mask = slots - 1
        var i = home(key)
        while true {
            let k = table[i].key
            if k == key { return i }
            if k == .min { return -(i + 1) }
            i = (i + 1) & mask
        }
    }

    public func get(_ key: CacheKey, now: Int64) -> Int64? {
        let space = Int(key.packed >> 48)
        let i = find(key.packed)
        guard i >= 0 else {
            stats.keyspaces[space].misses += 1
            return nil
        }
        if table[i].expiresAt <= now {
            remove(Int32(i))
            stats.keyspaces[space].expirations += 1
            stats.keyspaces[space].misses += 1
            return nil
        }
        stats.keyspaces[space].hits += 1
        moveToHead(Int32(i))
        return table[i].value
    }

    public func set(_ key: CacheKey, value: Int64, ttl: SimDuration, now: Int64) {
        let found = find(key.packed)
        if found >= 0 {
            table[found].value = value
            table[found].expiresAt = now + ttl.microseconds
            moveToHead(Int32(found))
            return
        }
        while count >= capacity, tail >= 0 { evictTail() }
        if (count + 1) * 10 > slots * 7 { resize(to: slots * 2) }
        // Looked up again: an eviction may have shifted the probe run.
        let slot = -(find(key.packed) + 1)
        table[slot] = Entry(key: key.packed, value: value, expiresAt: now + ttl.microseconds, prev: -1, next: -1)
        count += 1
        linkAtHead(Int32(slot))
        stats.entries = count
    }

    public func delete(_ key: CacheKey) {
        let i = find(key.packed)
        if i >= 0 { remove(Int32(i)) }
    }

    @discardableResult
    public func flush() -> Int? {
        let dropped = stats.entries
        table.update(repeating: .empty, count: slots)
        count = 0
        head = -1; tail = -1
        stats.entries = 0
        stats.flushes += 1
        return dropped
    }

    public func setCapacity(_ entries: Int) {
        precondition(entries >= 1)
        capacity = entries
        stats.capacity = entries
        while count > capacity, tail >= 0 { evictTail() }
    }

    /// Keys from most to least recently used (for tests and inspection).
    public var recencyOrder: [CacheKey] {
        var out: [CacheKey] = []
        var i = head
        while i >= 0 {
            let k = table[Int(i)].key
            out.append(CacheKey(CacheKeyspace(rawValue: Int(k >> 48))!, k & ((1 << 48) - 1)))
            i = table[Int(i)].next
        }
        return out
    }

    /// A table of `newSlots` with the same entries in the same recency order.
    private func resize(to newSlots: Int) {
        let old = table
        var i = tail
        table = .allocate(capacity: newSlots)
        table.initialize(repeating: .empty, count: newSlots)
        slots = newSlots
        shift = UInt64(64 - newSlots.trailingZeroBitCount)
        head = -1; tail = -1
        // From least to most recent, each linked at the head.
        while i >= 0 {
            let e = old[Int(i)]
            let slot = -(find(e.key) + 1)
            table[slot] = Entry(key: e.key, value: e.value, expiresAt: e.expiresAt, prev: -1, next: -1)
            linkAtHead(Int32(slot))
            i = e.prev
        }
        old.deallocate()
    }

    private func evictTail() {
        let slot = tail
        stats.keyspaces[Int(table[Int(slot)].key >> 48)].evictions += 1
        remove(slot)
    }

    /// Unlinks and empties `slot`, and shifts later members of its probe run
    /// back so every key stays reachable from its home slot; a member that
    /// moves takes its place in the recency list with it.
    private func remove(_ slot: Int32) {
        unlink(slot)
        let mask = slots - 1
        var hole = Int(slot)
        var j = hole
        while true {
            j = (j + 1) & mask
            let k = table[j].key
            if k == .min { break }
            if LinearProbing.mayMove(from: j, home: home(k), into: hole) {
                let e = table[j]
                table[hole] = e
                if e.prev >= 0 { table[Int(e.prev)].next = Int32(hole) } else { head = Int32(hole) }
                if e.next >= 0 { table[Int(e.next)].prev = Int32(hole) } else { tail = Int32(hole) }
                hole = j
            }
        }
        table[hole] = .empty
        count -= 1
        stats.entries = count
    }

    private func unlink(_ s: Int32) {
        let i = Int(s)
        let p = table[i].prev, n = table[i].next
        if p >= 0 { table[Int(p)].next = n } else { head = n }
        if n >= 0 { table[Int(n)].prev = p } else { tail = p }
        table[i].prev = -1; table[i].next = -1
    }

    private func linkAtHead(_ s: Int32) {
        let i = Int(s)
        table[i].prev = -1
        table[i].next = head
        if head >= 0 { table[Int(head)].prev = s }
        head = s
        if tail < 0 { tail = s }
    }

    private func moveToHead(_ s: Int32) {
        guard head != s else { return }
        unlink(s)
        linkAtHead(s)
    }
}
