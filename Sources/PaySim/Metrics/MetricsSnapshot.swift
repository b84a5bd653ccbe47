/// Everything an observer reads about the platform at one instant, as one
/// value: the console draws it and headless runs report from it. Building
/// it copies counters and takes percentiles; it never walks the ledger.
public struct MetricsSnapshot: Sendable {
    public struct WorkloadRow: Sendable {
        public var workload: Workload
        /// The arrival rate asked for now (spikes included).
        public var rateTPS: Double
        /// Committed per second over the last 5 s.
        public var committedTPS: Double
        public var stats: WorkloadStats
        /// Over the last 10 s, in milliseconds.
        public var p50Milliseconds: Double?
        public var p99Milliseconds: Double?
        /// Committed per second, one sample a second, oldest first.
        public var tpsHistory: [Double]
        public var inDoubt: Int
    }
    public struct ShardRow: Sendable, Equatable {
        public var name: String
        public var up: Bool
        public var partitioned: Bool
        public var locksHeld: Int
        public var inDoubt: Int
        public var lockWaits: Int64
        public var commits: Int64
        public var crashes: Int64
        public var readsPerSecond: Double
        public var commitP99Milliseconds: Double?
        public var restartsIn: SimDuration?
    }
    public struct CoordinatorRow: Sendable, Equatable {
        public var name: String
        public var up: Bool
        public var active: Int
        public var crashes: Int64
        public var restartsIn: SimDuration?
    }
    public struct LedgerStatus: Sendable, Equatable {
        public var violationCount: Int64
        public var violations: [LedgerViolation]
        public var transactionsChecked: Int64
        public var balanced: Bool { violationCount == 0 }
    }

    public var time: SimTime
    public var seed: UInt64
    public var baseRateTPS: Double
    public var mix: WorkloadMix
    public var commitProtocol: CommitProtocol
    public var paused: Bool
    public var gatewayUp: Bool
    public var spikes: [(factor: Double, workload: Workload?, remaining: SimDuration)]
    public var workloads: [WorkloadRow]
    public var commit: CommitStats
    public var shards: [ShardRow]
    public var coordinators: [CoordinatorRow]
    public var balancer: BalancerAlgorithm
    public var nodes: [NodeRow]
    public var queues: [QueueRow]
    public var cache: CacheRow
    public var log: LogRow
    public var ledger: LedgerStatus
    public var events: [SimLogEntry]
    public var eventsProcessed: Int64
    public var requestsInFlight: Int

    public func workload(_ w: Workload) -> WorkloadRow { workloads[w.rawValue] }
    public func node(_ name: String) -> NodeRow? { nodes.first { $0.name == name } }
    public func queue(group: String) -> QueueRow? { queues.first { $0.group == group } }
}

extension Simulation {
    public func snapshot() -> MetricsSnapshot {
        MetricsSnapshot(
            time: now,
            seed: config.seed,
            baseRateTPS: baseRateTPS,
            mix: mix,
            commitProtocol: commitProtocol,
            paused: paused,
            gatewayUp: gatewayUp,
            spikes: spikes.map { ($0.factor, $0.workload, SimDuration(microseconds: $0.endsAt - nowMicros)) },
            workloads: Workload.allCases.map { w in
                MetricsSnapshot.WorkloadRow(
                    workload: w, rateTPS: currentRate(w), committedTPS: workloadTPS[w.rawValue].mean(last: 5), stats: stats[w.rawValue],
                    p50Milliseconds: workloadLatency[w.rawValue].milliseconds(percentile: 50),
                    p99Milliseconds: workloadLatency[w.rawValue].milliseconds(percentile: 99),
                    tpsHistory: workloadTPS[w.rawValue].values, inDoubt: inDoubtByWorkload[w.rawValue])
            },
            commit: commitStats,
            shards: shards.map { s in
                MetricsSnapshot.ShardRow(
                    name: s.name, up: s.up, partitioned: nowMicros < s.partitionedUntil, locksHeld: s.locks.count,
                    inDoubt: s.active.values.reduce(0) { n, t in n + t.parts.reduce(0) { $0 + ($1.shard == s.index && $1.inDoubt ? 1 : 0) } },
                    lockWaits: s.lockWaits, commits: s.commits, crashes: s.crashes,
                    readsPerSecond: shardReads[s.index].rate(), commitP99Milliseconds: shardCommitLatency[s.index].milliseconds(percentile: 99),
                    restartsIn: s.restartAt.map { SimDuration(microseconds: $0 - nowMicros) })
            },
            coordinators: coordinators.map { c in
                MetricsSnapshot.CoordinatorRow(name: c.name, up: c.up, active: c.active.count, crashes: c.crashes,
                                               restartsIn: c.restartAt.map { SimDuration(microseconds: $0 - nowMicros) })
            },
            balancer: balancerAlgorithm,
            nodes: nodeRows(),
            queues: queueRows(),
            cache: cacheRow(),
            log: logRow(),
            ledger: MetricsSnapshot.LedgerStatus(violationCount: auditor.violationCount, violations: auditor.violations,
                                                 transactionsChecked: auditor.transactionsChecked),
            events: Array(events.entries),
            eventsProcessed: eventsProcessed,
            requestsInFlight: inFlightRequests
        )
    }
}
