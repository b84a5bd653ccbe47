import Histogram

/// Counters and the end-to-end latency distribution of one workload.
public struct WorkloadStats: Sendable {
    public var submitted: Int64 = 0
    public var committed: Int64 = 0
    public var declined: Int64 = 0
    public var aborted: Int64 = 0
    public var failed: Int64 = 0
    /// Retries that found their key already committed.
    public var duplicates: Int64 = 0
    /// Request latency in microseconds, arrival to outcome; up to one hour.
    public var latency = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

    public var finished: Int64 { committed + declined + aborted + failed }
    public var inFlight: Int64 { submitted - finished }

    mutating func record(_ outcome: RequestOutcome, latencyMicroseconds: Int64) {
        switch outcome {
        case .committed: committed += 1
        case .declined: declined += 1
        case .aborted: aborted += 1
        case .failed: failed += 1
        }
        _ = latency.record(UInt64(max(0, min(latencyMicroseconds, 3_600_000_000))))
    }

    /// The latency at a percentile in milliseconds, or 0 with no samples.
    public func latencyMilliseconds(percentile: Double) -> Double {
        latency.totalCount == 0 ? 0 : Double(latency.valueAtPercentile(percentile)) / 1_000
    }
}

/// Counters of the commit protocol and the shards' locking.
public struct CommitStats: Sendable, Equatable {
    /// Distributed transactions in which every participant voted yes.
    public var prepared: Int64 = 0
    /// Distributed transactions whose decision was commit.
    public var committed: Int64 = 0
    /// Distributed transactions whose decision was abort (declines included).
    public var aborted: Int64 = 0
    /// Single-shard transactions, committed without a distributed protocol.
    public var localCommits: Int64 = 0
    public var localAborts: Int64 = 0
    /// Transactions with a participant in doubt right now.
    public var inDoubt: Int64 = 0
    /// Transactions that were ever in doubt.
    public var inDoubtTotal: Int64 = 0
    /// Lock requests that had to queue behind another transaction.
    public var lockWaits: Int64 = 0
    /// Protocol messages sent (including ones a crash or partition dropped).
    public var messages: Int64 = 0
    public var messagesDropped: Int64 = 0
    public var fsyncs: Int64 = 0
    public init() {}
}
