import DequeModule

/// Keys of requests that have committed, kept for a retention window so a
/// client retry is recognised as a duplicate instead of applied twice.
///
/// The record is written in the same step that applies the transaction's
/// writes on the key-owning shard and checked under that shard's row locks,
/// so "check, then commit" cannot interleave with a concurrent retry.
/// Bounded by `capacity`: the oldest keys go first.
struct IdempotencyStore {
    private var committed = SequentialIDSet()
    private var expiries: Deque<(at: Int64, key: Int64)> = []
    let retention: Int64
    let capacity: Int
    private(set) var duplicatesCaught: Int64 = 0

    init(retention: SimDuration, capacity: Int = 2_000_000) {
        self.retention = retention.microseconds
        self.capacity = capacity
    }

    func contains(_ key: Int64) -> Bool { committed.contains(key) }

    mutating func recordCommitted(_ key: Int64, now: Int64) {
        expire(now: now)
        if committed.insert(key) {
            expiries.append((now + retention, key))
            if expiries.count > capacity, let old = expiries.popFirst() { committed.remove(old.key) }
        }
    }

    mutating func noteDuplicate() { duplicatesCaught += 1 }

    private mutating func expire(now: Int64) {
        while let first = expiries.first, first.at <= now {
            committed.remove(first.key)
            expiries.removeFirst()
        }
    }

    var count: Int { committed.count }
}
