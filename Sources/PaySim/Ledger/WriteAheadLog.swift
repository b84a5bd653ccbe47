/// A write-ahead log with group commit: records appended while an fsync is
/// in flight wait for the next one, so a busy shard pays one fsync per batch
/// rather than per record — the reason real databases keep up under load.
/// A batch is bounded (`maxBatch` records); the device's time per fsync
/// grows with the records it carries, so under load batches grow until the
/// device's throughput is the limit.
///
/// `Waiter` is what to resume once a record is durable. Only the log's
/// bookkeeping lives here; the owner schedules the fsync completion event.
struct WriteAheadLog<Waiter> {
    /// Appended, not yet part of an fsync.
    private(set) var pending: [Waiter] = []
    /// In the fsync now running.
    private(set) var inFlight: [Waiter] = []
    private(set) var forcing = false
    private(set) var records: Int64 = 0
    private(set) var fsyncs: Int64 = 0
    let maxBatch: Int
    /// The log device's busy time, for its utilisation.
    var device = Processor(servers: 1)
    private var recordsAtLastTick: Int64 = 0
    private var fsyncsAtLastTick: Int64 = 0
    /// Records per fsync, one sample per simulated second (0 when idle).
    private(set) var batchSize = SecondSeries()

    init(maxBatch: Int = 1_024) {
        precondition(maxBatch >= 1)
        self.maxBatch = maxBatch
    }

    /// Appends a record; returns true if the owner must start an fsync now
    /// (for `inFlight.count` records).
    mutating func append(_ waiter: Waiter) -> Bool {
        records += 1
        pending.append(waiter)
        if forcing { return false }
        startForce()
        return true
    }

    private mutating func startForce() {
        forcing = true
        fsyncs += 1
        if pending.count <= maxBatch {
            swap(&pending, &inFlight)
        } else {
            inFlight.append(contentsOf: pending.prefix(maxBatch))
            pending.removeFirst(maxBatch)
        }
    }

    /// The running fsync finished: its now-durable waiters are handed over
    /// in `durable` (emptied first, keeping its storage, which becomes the
    /// next batch's: a log in steady use allocates nothing per fsync).
    /// Returns whether another fsync must start for records that arrived
    /// meanwhile.
    mutating func completeForce(into durable: inout [Waiter]) -> Bool {
        durable.removeAll(keepingCapacity: true)
        swap(&durable, &inFlight)
        forcing = false
        guard !pending.isEmpty else { return false }
        startForce()
        return true
    }

    /// A crash: everything not yet durable is gone.
    mutating func crash(at now: Int64) {
        pending.removeAll()
        inFlight.removeAll()
        forcing = false
        device.reset(at: now)
    }

    mutating func tick(now: Int64) {
        device.tick(now: now)
        let f = fsyncs - fsyncsAtLastTick
        batchSize.append(f == 0 ? 0 : Double(records - recordsAtLastTick) / Double(f))
        recordsAtLastTick = records
        fsyncsAtLastTick = fsyncs
    }
}
