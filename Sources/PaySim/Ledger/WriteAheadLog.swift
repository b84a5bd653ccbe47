/// A write-ahead log with group commit: records appended while an fsync is
/// in flight wait for the next one, so a busy shard pays one fsync per batch
/// rather than per record — the reason real databases keep up under load.
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

    /// Appends a record; returns true if the owner must start an fsync now.
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
        swap(&pending, &inFlight)
    }

    /// The running fsync finished: returns the now-durable waiters and whether
    /// another fsync must start for records that arrived meanwhile.
    mutating func completeForce() -> (durable: [Waiter], startAnother: Bool) {
        let done = inFlight
        inFlight.removeAll(keepingCapacity: true)
        forcing = false
        if !pending.isEmpty {
            startForce()
            return (done, true)
        }
        return (done, false)
    }

    /// A crash: everything not yet durable is gone.
    mutating func crash() {
        pending.removeAll()
        inFlight.removeAll()
        forcing = false
    }
}
