/// The commit coordinator that runs on one app node. Its log (decision
/// records) is durable; everything else about its transactions is volatile
/// and lost when it crashes.
final class Coordinator {
    let index: Int
    var name: String { "node-\(index + 1)" }
    var up = true
    var epoch: UInt32 = 0
    var restartAt: Int64?

    /// Waiters for the commit record being forced.
    var log: WriteAheadLog<Txn>
    /// Transactions this coordinator is responsible for, by id.
    var active = Int64Map<Txn>()
    var crashes: Int64 = 0

    init(index: Int, maxBatch: Int) {
        self.index = index
        log = WriteAheadLog(maxBatch: maxBatch)
    }
}
