/// The headless run's report. Field names are snake_case and stable:
/// scripts and dashboards read them. It holds no wall-clock figure, so equal
/// inputs give byte-identical output.
public struct RunReport: Codable, Sendable, Equatable {
    public struct Latency: Codable, Sendable, Equatable {
        public var p50: Double
        public var p99: Double
        public var p999: Double
    }
    public struct WorkloadReport: Codable, Sendable, Equatable {
        public var submitted: Int64
        public var committed: Int64
        public var declined: Int64
        public var aborted: Int64
        public var failed: Int64
        public var duplicates: Int64
        public var latency_ms: Latency
    }
    public struct CommitReport: Codable, Sendable, Equatable {
        public var `protocol`: String
        public var prepared: Int64
        public var committed: Int64
        public var aborted: Int64
        public var local_commits: Int64
        public var in_doubt: Int64
        public var in_doubt_total: Int64
        public var lock_waits: Int64
        public var messages: Int64
        public var messages_dropped: Int64
        public var fsyncs: Int64
    }
    public struct LedgerReport: Codable, Sendable, Equatable {
        public var balanced: Bool
        public var violation_count: Int64
        public var violations: [LedgerViolation]
        public var transactions_checked: Int64
    }
    public struct RunInfo: Codable, Sendable, Equatable {
        public var seed: UInt64
        public var duration_s: Double
        public var simulated_s: Double
        public var rate_tps_base: Double
        public var mix: String
        public var shards: Int
        public var nodes: Int
        public var events: Int64
    }

    public struct CacheReport: Codable, Sendable, Equatable {
        public var backend: String
        public var hits: Int64
        public var misses: Int64
        public var hit_rate: Double
        public var evictions: Int64
        public var expirations: Int64
        /// A Redis backend's own INFO deltas over the run (absent when embedded).
        public var server: [String: Int64]?
    }
    public struct QueueReport: Codable, Sendable, Equatable {
        public var topic: String
        public var group: String
        public var depth: Int64
        public var lag: Int64
        public var redeliveries: Int64
    }
    public struct NodeReport: Codable, Sendable, Equatable {
        public var name: String
        public var state: String
        public var requests: Int64
        public var errors: Int64
    }

    public var run: RunInfo
    public var cache: CacheReport
    public var queues: [QueueReport]
    /// `embedded`, or the Redis URL (password shown as ***) of the stream log.
    public var queue_backend: String
    public var nodes: [NodeReport]
    public var workloads: [String: WorkloadReport]
    public var commit: CommitReport
    public var ledger: LedgerReport

    public init(snapshot s: MetricsSnapshot, config: SimulationConfig, duration: SimDuration) {
        run = RunInfo(seed: config.seed, duration_s: duration.seconds, simulated_s: s.time.seconds,
                      rate_tps_base: config.baseRateTPS, mix: config.mix.description, shards: config.shards,
                      nodes: config.nodes, events: s.eventsProcessed)
        var w: [String: WorkloadReport] = [:]
        for row in s.workloads {
            let st = row.stats
            w[row.workload.name] = WorkloadReport(
                submitted: st.submitted, committed: st.committed, declined: st.declined, aborted: st.aborted,
                failed: st.failed, duplicates: st.duplicates,
                latency_ms: Latency(p50: st.latencyMilliseconds(percentile: 50), p99: st.latencyMilliseconds(percentile: 99),
                                    p999: st.latencyMilliseconds(percentile: 99.9)))
        }
        workloads = w
        let total = s.cache.stats.total
        cache = CacheReport(backend: s.cache.backend, hits: total.hits, misses: total.misses,
                            hit_rate: (total.hitRate * 10_000).rounded() / 10_000, evictions: total.evictions,
                            expirations: total.expirations,
                            server: s.cache.serverCounters.isEmpty ? nil : Dictionary(uniqueKeysWithValues: s.cache.serverCounters.map { ($0.name, $0.value) }))
        queue_backend = s.log.backend
        queues = s.queues.map { QueueReport(topic: $0.topic, group: $0.group, depth: $0.depth, lag: $0.lag, redeliveries: $0.redeliveries) }
        nodes = s.nodes.map { NodeReport(name: $0.name, state: $0.state.rawValue, requests: $0.requests, errors: $0.errors) }
        let c = s.commit
        commit = CommitReport(protocol: s.commitProtocol.rawValue, prepared: c.prepared, committed: c.committed,
                              aborted: c.aborted, local_commits: c.localCommits, in_doubt: c.inDoubt,
                              in_doubt_total: c.inDoubtTotal, lock_waits: c.lockWaits, messages: c.messages,
                              messages_dropped: c.messagesDropped, fsyncs: c.fsyncs)
        ledger = LedgerReport(balanced: s.ledger.balanced, violation_count: s.ledger.violationCount,
                              violations: s.ledger.violations, transactions_checked: s.ledger.transactionsChecked)
    }
}
