import DequeModule

/// One ledger shard server: it owns a slice of the rows, their row locks, a
/// write-ahead log on a log device, and CPU cores that reads, prepares and
/// applies queue for. Identity is real (it crashes, restarts and is pointed
/// at by messages), so it is a class.
final class Shard {
    let index: Int
    var name: String { "shard-\(index + 1)" }
    var up = true
    /// Bumped on every crash, so events armed before it are recognised as stale.
    var epoch: UInt32 = 0
    var restartAt: Int64?
    /// The shard's CPU cores, first come first served.
    var cpu: Processor

    struct Waiter {
        let txn: Txn
        let part: Int
        let token: UInt32
    }
    struct LockEntry {
        var holder: Int64
        var waiters: Deque<Waiter> = []
    }
    /// Row → current holder and the queue behind it. Volatile: a crash clears it.
    var locks = Int64Map<LockEntry>()

    enum ForceWaiter {
        /// A participant's record for `target` state (prepared, precommitted, committing).
        case participant(Txn, part: Int, token: UInt32)
    }
    var wal: WriteAheadLog<ForceWaiter>

    /// Transactions with a live participant here, by id.
    var active = Int64Map<Txn>()

    var lockWaits: Int64 = 0
    var commits: Int64 = 0
    var aborts: Int64 = 0
    var crashes: Int64 = 0
    /// Reads and prepares refused because the CPU queue was over its limit.
    var refused: Int64 = 0
    var reads = CounterSeries()

    init(index: Int, cores: Int, maxBatch: Int) {
        self.index = index
        cpu = Processor(servers: cores)
        wal = WriteAheadLog(maxBatch: maxBatch)
    }
}
