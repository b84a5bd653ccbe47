/// An in-process LRU cache with per-entry TTL in simulated time.
///
/// Entries live in a slab of arrays linked into a recency list by index, so
/// steady-state gets and sets allocate nothing; the dictionary maps a key
/// to its slot. Expired entries are dropped when touched (as Redis does
/// lazily) and when eviction reaches them.
public final class EmbeddedCache: CacheTier {
    public let backendName = "embedded"
    private var slotOf = Int64Map<Int32>()
    /// An entry's fields together, 32 bytes: a hit and its move to the
    /// head of the recency list touch one line per entry, not five.
    private struct Entry {
        var key: Int64
        var value: Int64
        var expiresAt: Int64
        var prev: Int32 = -1
        var next: Int32 = -1
    }
    private var entries: [Entry] = []
    private var freeSlots: [Int32] = []
    /// Most recently used at the head, least at the tail.
    private var head: Int32 = -1
    private var tail: Int32 = -1
    private var capacity: Int
    public private(set) var stats = CacheStats()

    public init(capacity: Int) {
        precondition(capacity >= 1)
        self.capacity = capacity
        stats.capacity = capacity
    }

    public var isAvailable: Bool { true }
    public var count: Int { slotOf.count }

    public func get(_ key: CacheKey, now: Int64) -> Int64? {
        let space = Int(key.packed >> 48)
        guard let slot = slotOf[key.packed] else {
            stats.keyspaces[space].misses += 1
            return nil
        }
        let i = Int(slot)
        if entries[i].expiresAt <= now {
            remove(slot)
            stats.keyspaces[space].expirations += 1
            stats.keyspaces[space].misses += 1
            return nil
        }
        stats.keyspaces[space].hits += 1
        moveToHead(slot)
        return entries[i].value
    }

    public func set(_ key: CacheKey, value: Int64, ttl: SimDuration, now: Int64) {
        if let slot = slotOf[key.packed] {
            entries[Int(slot)].value = value
            entries[Int(slot)].expiresAt = now + ttl.microseconds
            moveToHead(slot)
            return
        }
        while slotOf.count >= capacity, tail >= 0 { evictTail() }
        let slot: Int32
        if let s = freeSlots.popLast() {
            slot = s
            entries[Int(s)] = Entry(key: key.packed, value: value, expiresAt: now + ttl.microseconds)
        } else {
            slot = Int32(entries.count)
            entries.append(Entry(key: key.packed, value: value, expiresAt: now + ttl.microseconds))
        }
        slotOf[key.packed] = slot
        linkAtHead(slot)
        stats.entries = slotOf.count
    }

    public func delete(_ key: CacheKey) {
        if let slot = slotOf[key.packed] { remove(slot) }
    }

    @discardableResult
    public func flush() -> Int? {
        let dropped = stats.entries
        slotOf.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true); freeSlots.removeAll(keepingCapacity: true)
        head = -1; tail = -1
        stats.entries = 0
        stats.flushes += 1
        return dropped
    }

    public func setCapacity(_ entries: Int) {
        precondition(entries >= 1)
        capacity = entries
        stats.capacity = entries
        while slotOf.count > capacity, tail >= 0 { evictTail() }
    }

    /// Keys from most to least recently used (for tests and inspection).
    public var recencyOrder: [CacheKey] {
        var out: [CacheKey] = []
        var i = head
        while i >= 0 {
            let k = entries[Int(i)].key
            out.append(CacheKey(CacheKeyspace(rawValue: Int(k >> 48))!, k & ((1 << 48) - 1)))
            i = entries[Int(i)].next
        }
        return out
    }

    private func evictTail() {
        let slot = tail
        stats.keyspaces[Int(entries[Int(slot)].key >> 48)].evictions += 1
        remove(slot)
    }

    private func remove(_ slot: Int32) {
        unlink(slot)
        slotOf[entries[Int(slot)].key] = nil
        freeSlots.append(slot)
        stats.entries = slotOf.count
    }

    private func unlink(_ s: Int32) {
        let i = Int(s)
        let p = entries[i].prev, n = entries[i].next
        if p >= 0 { entries[Int(p)].next = n } else { head = n }
        if n >= 0 { entries[Int(n)].prev = p } else { tail = p }
        entries[i].prev = -1; entries[i].next = -1
    }

    private func linkAtHead(_ s: Int32) {
        let i = Int(s)
        entries[i].prev = -1
        entries[i].next = head
        if head >= 0 { entries[Int(head)].prev = s }
        head = s
        if tail < 0 { tail = s }
    }

    private func moveToHead(_ s: Int32) {
        guard head != s else { return }
        unlink(s)
        linkAtHead(s)
    }
}
