/// The figures the live metrics endpoint serves, read from the running
/// model in one pass (cheaper than a whole snapshot): totals that only
/// grow, and gauges as they stand now.
public struct MetricsSample: Sendable {
    public struct Queue: Sendable {
        public var group: String
        public var lag: Int64
        public var depth: Int64
    }
    public struct Shard: Sendable {
        public var name: String
        public var up: Bool
        public var inDoubt: Int
    }
    public var time: SimTime
    /// Per workload (by `Workload.rawValue`), per outcome (by `RequestOutcome.rawValue`).
    public var answered: [[Int64]]
    public var offered: [Int64]
    public var shed: [Int64]
    public var retries: [Int64]
    /// Over the last 10 s, per workload.
    public var offeredPerSecond: [Double]
    public var goodputPerSecond: [Double]
    public var queues: [Queue]
    public var cacheHits: Int64
    public var cacheMisses: Int64
    public var nodes: [(name: String, state: NodeState)]
    public var shards: [Shard]
    public var inFlight: Int
    public var reconciliationBreaks: Int64
    public var ledgerViolations: Int64
    /// Each threshold's canonical text, and whether it is breached now.
    public var thresholds: [(text: String, breached: Bool)]
}

extension Simulation {
    public func metricsSample() -> MetricsSample {
        let w = Simulation.window
        let cacheTotal = cache.stats.total
        return MetricsSample(
            time: now,
            answered: load.map { l in l.outcomes.map(\.total) },
            offered: load.map(\.offered.total), shed: load.map(\.shed.total), retries: load.map(\.retries.total),
            offeredPerSecond: load.map { $0.offered.rate(last: w) }, goodputPerSecond: load.map { $0.goodput.rate(last: w) },
            queues: queueRows().map { MetricsSample.Queue(group: $0.group, lag: $0.lag, depth: $0.depth) },
            cacheHits: cacheTotal.hits, cacheMisses: cacheTotal.misses,
            nodes: nodes.map { ($0.name, state(of: $0)) },
            shards: shards.map { MetricsSample.Shard(name: $0.name, up: $0.up, inDoubt: inDoubt(on: $0)) },
            inFlight: inFlightRequests, reconciliationBreaks: reconciliation.breakCount, ledgerViolations: auditor.violationCount,
            thresholds: thresholdStatuses.map { ("\($0.threshold)", $0.breached) })
    }
}
