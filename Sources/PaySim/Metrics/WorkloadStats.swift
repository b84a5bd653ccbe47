import Histogram

/// Counters and latency distributions of one workload over the whole run.
///
/// Latency is kept per outcome, measured from the request's arrival (an
/// open model: time a request waited before it was served counts, so there
/// is no coordinated omission). `latency` is committed requests only: a
/// refusal that ends in a microsecond must not make the service look fast.
public struct WorkloadStats: Sendable {
    public var submitted: Int64 = 0
    public var committed: Int64 = 0
    public var declined: Int64 = 0
    public var aborted: Int64 = 0
    public var failed: Int64 = 0
    /// Retries that found their key already committed.
    public var duplicates: Int64 = 0
    /// Committed requests, arrival to commit, in microseconds; up to one hour.
    public var latency = WorkloadStats.histogram()
    /// Aborted and failed requests, arrival to the failure the client saw.
    public var failureLatency = WorkloadStats.histogram()
    /// Declined requests (insufficient funds, card declined): a valid answer, kept apart.
    public var declineLatency = WorkloadStats.histogram()

    public init() {}

    /// 32-bit counts: a bucket would need 4 billion samples to overflow (a
    /// day at 5,000 tps is 432 million in all), and half the memory keeps
    /// the three distributions of each workload in cache as they are written.
    static func histogram() -> Histogram<UInt32> {
        Histogram<UInt32>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    /// The counters alone, the distributions left empty (and shared): what a
    /// snapshot kept across frames holds, so that the engine's next sample
    /// does not copy three whole histograms it still references.
    public var countersOnly: WorkloadStats {
        var c = self
        c.latency = WorkloadStats.empty.latency
        c.failureLatency = WorkloadStats.empty.failureLatency
        c.declineLatency = WorkloadStats.empty.declineLatency
        return c
    }
    static let empty = WorkloadStats()

    public var finished: Int64 { committed + declined + aborted + failed }
    public var inFlight: Int64 { submitted - finished }

    mutating func record(_ outcome: RequestOutcome, latencyMicroseconds: Int64) {
        let v = UInt64(max(0, min(latencyMicroseconds, 3_600_000_000)))
        switch outcome {
        case .committed:
            committed += 1
            _ = latency.record(v)
        case .declined:
            declined += 1
            _ = declineLatency.record(v)
        case .aborted:
            aborted += 1
            _ = failureLatency.record(v)
        case .failed:
            failed += 1
            _ = failureLatency.record(v)
        }
    }

    /// Committed latency at a percentile in milliseconds, or 0 with no samples.
    public func latencyMilliseconds(percentile: Double) -> Double { Self.milliseconds(latency, percentile) }
    public func failureLatencyMilliseconds(percentile: Double) -> Double { Self.milliseconds(failureLatency, percentile) }

    static func milliseconds(_ h: Histogram<UInt32>, _ percentile: Double) -> Double {
        h.totalCount == 0 ? 0 : Double(h.valueAtPercentile(percentile)) / 1_000
    }

    static func maxMilliseconds(_ h: Histogram<UInt32>) -> Double {
        h.totalCount == 0 ? 0 : Double(h.max) / 1_000
    }
}

/// Load on one workload, the four numbers an operator needs under overload:
/// what arrived (offered), what was tried (attempts, retries included),
/// what was refused without being served (shed, rate limits included), and
/// what committed (goodput). Cumulative, each with a per-second series.
public struct LoadStats: Sendable, Equatable, Codable {
    public var offered = CounterSeries()
    public var attempts = CounterSeries()
    public var retries = CounterSeries()
    public var shed = CounterSeries()
    /// Shed by a rate limit (a part of `shed`).
    public var limited = CounterSeries()
    public var goodput = CounterSeries()
    /// Shed attempts by reason, indexed by `Refusal.rawValue`.
    public var shedByReason = [Int64](repeating: 0, count: Refusal.allCases.count)
    /// Retries the budget refused: the request failed instead.
    public var retriesRefusedByBudget: Int64 = 0
    /// Outcomes per second, for windowed shares, indexed by `RequestOutcome.rawValue`.
    public var outcomes = [CounterSeries](repeating: CounterSeries(), count: RequestOutcome.allCases.count)
    public init() {}

    mutating func tick() {
        offered.tick()
        attempts.tick()
        retries.tick()
        shed.tick()
        limited.tick()
        goodput.tick()
        for i in outcomes.indices { outcomes[i].tick() }
    }

    /// The share of each outcome among requests finished in the last `seconds`.
    public func outcomeShares(last seconds: Int = 10) -> [Double]? {
        let counts = outcomes.map { $0.perSecond.mean(last: seconds) }
        let total = counts.reduce(0, +)
        return total > 0 ? counts.map { $0 / total } : nil
    }
}

/// Counters of the commit protocol and the shards' locking.
public struct CommitStats: Sendable, Equatable, Codable {
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
    /// Protocol inputs that arrived after the participant had moved on
    /// (duplicates, timers of an earlier state, a decision meeting the other one).
    public var staleInputs: Int64 = 0
    /// Participants whose prepare never arrived, aborted by the idle timeout.
    public var idleAborts: Int64 = 0
    public init() {}
}
