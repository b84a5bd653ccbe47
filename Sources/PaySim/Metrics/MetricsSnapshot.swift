/// Everything an observer reads about the platform at one instant, as one
/// value: the console draws it and headless runs report from it. Building
/// it copies counters and takes percentiles; it never walks the ledger.
///
/// Rates, shares and percentiles are over the last `window` simulated
/// seconds; totals (`stats`, `load`) are since the start.
public struct MetricsSnapshot: Sendable, Codable {
    /// The four load figures, per second over the window.
    public struct LoadRates: Codable, Sendable, Equatable {
        /// Requests that arrived.
        public var offered: Double
        /// Attempts made, retries included.
        public var attempts: Double
        public var retries: Double
        /// Attempts refused without being served (rate limits, admission
        /// control, full queues, open breakers, full bulkheads, deadlines).
        public var shed: Double
        /// Shed by a rate limit.
        public var limited: Double
        /// Requests that committed.
        public var goodput: Double

        public static func + (a: LoadRates, b: LoadRates) -> LoadRates {
            LoadRates(offered: a.offered + b.offered, attempts: a.attempts + b.attempts, retries: a.retries + b.retries,
                      shed: a.shed + b.shed, limited: a.limited + b.limited, goodput: a.goodput + b.goodput)
        }
        public static let zero = LoadRates(offered: 0, attempts: 0, retries: 0, shed: 0, limited: 0, goodput: 0)
    }

    public struct WorkloadRow: Sendable, Codable {
        public var workload: Workload
        /// The arrival rate asked for now (spikes included).
        public var rateTPS: Double
        public var rates: LoadRates
        /// Committed per second over the window (goodput).
        public var committedTPS: Double { rates.goodput }
        /// Shares of requests finished in the window: committed, declined,
        /// aborted, failed (nil before any finished).
        public var outcomeShares: [Double]?
        /// Aborted plus failed, as a share of requests finished in the window.
        public var errorRate: Double? { outcomeShares.map { $0[RequestOutcome.aborted.rawValue] + $0[RequestOutcome.failed.rawValue] } }
        public func share(_ o: RequestOutcome) -> Double? { outcomeShares?[o.rawValue] }
        public var stats: WorkloadStats
        public var load: LoadStats
        /// Committed requests only, over the window, in milliseconds.
        public var p50Milliseconds: Double?
        public var p99Milliseconds: Double?
        /// One sample a second, oldest first: goodput, offered, and failed (aborted and failed).
        public var tpsHistory: [Double]
        public var offeredHistory: [Double]
        public var failedHistory: [Double]
        public var inDoubt: Int
    }
    public struct ShardRow: Sendable, Equatable, Codable {
        public var name: String
        public var up: Bool
        /// A partition separates it from some other member of the platform.
        public var partitioned: Bool
        public var locksHeld: Int
        public var inDoubt: Int
        public var lockWaits: Int64
        public var commits: Int64
        public var crashes: Int64
        public var readsPerSecond: Double
        public var commitP99Milliseconds: Double?
        public var restartsIn: SimDuration?
        /// Busy share of its CPU cores and of its log device over the window.
        public var cpuUtilisation: Double
        public var logUtilisation: Double
        /// Mean wait for a CPU core, in milliseconds, over the window.
        public var queueWaitMilliseconds: Double
        /// Records per fsync over the window.
        public var fsyncBatch: Double
        /// Reads and prepares refused because its queue was over the limit.
        public var refused: Int64
    }
    public struct CoordinatorRow: Sendable, Equatable, Codable {
        public var name: String
        public var up: Bool
        public var active: Int
        public var crashes: Int64
        public var restartsIn: SimDuration?
    }
    public struct LedgerStatus: Sendable, Equatable, Codable {
        public var violationCount: Int64
        public var violations: [LedgerViolation]
        public var transactionsChecked: Int64
        public var balanced: Bool { violationCount == 0 }
    }
    public struct GatewayStatus: Sendable, Equatable, Codable {
        public var up: Bool
        public var approved: Int64
        public var declined: Int64
        public var chargedMinorUnits: Int64
        public var reversals: Int64
        public var reversedMinorUnits: Int64
        /// Calls without an answer in time (or whose node died): reversed.
        public var unknownOutcomes: Int64
        public var lateApprovals: Int64
        /// Reversals sent and not yet acknowledged.
        public var reversalsPending: Int
        /// Approved charges still owed a wallet credit or a reversal.
        public var openCharges: Int
        /// Nodes whose breaker is open or half-open.
        public var breakersOpen: Int
    }
    /// The life of money: what is held, pending, awaiting and owed, and
    /// whether every record reconciles.
    public struct MoneyStatus: Sendable, Equatable, Codable {
        /// Payment holds in place (awaiting capture or release), and their value (the holds escrow).
        public var holdsOpen: Int
        public var holdsMinorUnits: Int64
        public var capturesPending: Int
        public var releasesPending: Int
        /// Top-ups between the gateway call and the wallet credit or reversal.
        public var topupsOpen: Int
        /// Gateway reversals sent and not yet acknowledged.
        public var reversalsPending: Int
        public var refundsPerMinute: Double
        public var chargebacksPerMinute: Double
        public var tradesAwaiting: Int
        public var tradesSettling: Int
        public var settlementFailPercent: Double
        public var payoutsPaused: Bool
        public var nextPayoutIn: SimDuration
        /// What merchants are owed above their reserves now: the next batch, if nothing changes.
        public var nextPayoutMinorUnits: Int64
        public var payoutsInFlight: Int
        public var payments: PaymentStats
        public var topups: TopupStats
        public var trades: TradeStats
        public var payouts: PayoutStats
        /// Records closed and reconciled; breaks found (total, and the first ones).
        public var reconciled: Int64
        public var breakCount: Int64
        public var breaks: [ReconciliationBreak]
        /// Records past their due time, and seconds since none was.
        public var overdue: Int
        public var reconciliationLagSeconds: Double
        public var openRecords: Int
        public var gatewaySlowFactor: Double
        public var gatewayTimeoutPercent: Double
        public var reconciles: Bool { breakCount == 0 }
    }
    /// One workload's flow, a sample a second for the last hour: arrivals,
    /// commits, and requests that ended aborted or failed.
    public struct FlowHistory: Sendable, Equatable, Codable {
        public var offered = SecondSeries(capacity: 3_600)
        public var goodput = SecondSeries(capacity: 3_600)
        public var failed = SecondSeries(capacity: 3_600)
        /// The p99 of the requests committed in each second, in ms (NaN: none).
        public var p99 = SecondSeries(capacity: 3_600)
        /// Samples appended since the run began (the series keep the last hour).
        public var seconds: Int64 = 0
        public init() {}
    }
    public struct PartitionRow: Sendable, Equatable, Codable {
        public var text: String
        public var remaining: SimDuration
    }

    public var time: SimTime
    public var seed: UInt64
    public var baseRateTPS: Double
    public var mix: WorkloadMix
    public var commitProtocol: CommitProtocol
    public var paused: Bool
    public var gatewayUp: Bool { gateway.up }
    public var gateway: GatewayStatus
    public var resilience: ResilienceSettings
    public var spikes: [SpikeRow]
    /// A load spike in force.
    public struct SpikeRow: Sendable, Equatable, Codable {
        public var factor: Double
        public var workload: Workload?
        public var remaining: SimDuration
    }
    public var partitions: [PartitionRow]
    public var workloads: [WorkloadRow]
    public var commit: CommitStats
    public var shards: [ShardRow]
    public var coordinators: [CoordinatorRow]
    public var balancer: BalancerAlgorithm
    /// 503s the balancer answered itself (no node would take work): total and per second.
    public var balancerRejections: Int64
    public var balancerRejectionsPerSecond: Double
    public var nodes: [NodeRow]
    public var queues: [QueueRow]
    public var cache: CacheRow
    public var log: LogRow
    public var ledger: LedgerStatus
    public var money: MoneyStatus
    /// Per workload, indexed by `Workload.rawValue`.
    public var flow: [FlowHistory]
    public var events: [SimLogEntry]
    public var eventsProcessed: Int64
    public var requestsInFlight: Int
    /// Top-ups authorised and waiting for their wallet credit.
    public var uncreditedTopups: Int
    /// The service-level thresholds and how each stands.
    public var thresholds: [SLOStatus] = []
    /// A load shape in progress.
    public var ramp: Simulation.Ramp?
    /// The drill the run follows: its name, steps done, and the next one.
    public struct DrillStatus: Sendable, Equatable, Codable {
        public var name: String
        public var done: Int
        public var total: Int
        public var nextAt: SimDuration?
        public var next: String?
    }
    public var drill: DrillStatus?
    /// The Timeline strip's content: recent actions, faults in force, next steps.
    public var timeline: Timeline?
    /// Sampled transaction traces (`t` on the console).
    public var traces = TraceLists(sampleEvery: 0)
    /// Seconds behind each rate, share and percentile.
    public var window: Int { Simulation.window }

    public func workload(_ w: Workload) -> WorkloadRow { workloads[w.rawValue] }

    /// The snapshot as a history of the screen keeps it, a second at a
    /// time for minutes: without the hour of flow (the live one is cut to
    /// its time instead), the run's latency histograms (shared empty ones:
    /// the screen reads the windowed percentiles), and all but the latest
    /// `events` entries of the log. A kept snapshot then holds no buffer the
    /// engine would have to copy when it next writes.
    public func forHistory(events keep: Int = 200) -> MetricsSnapshot {
        var s = withoutDistributions
        s.flow = []
        s.events = Array(events.suffix(keep))
        return s
    }

    /// This snapshot without the run's latency distributions (the counters
    /// stay): one a console keeps between frames.
    public var withoutDistributions: MetricsSnapshot {
        var s = self
        for i in s.workloads.indices { s.workloads[i].stats = s.workloads[i].stats.countersOnly }
        return s
    }

    /// This kept snapshot with the flow it had: `live` (the newest flow),
    /// less the seconds since this one.
    public func withFlow(of live: MetricsSnapshot) -> MetricsSnapshot {
        var s = self
        let k = Int(live.time.microseconds / 1_000_000 - time.microseconds / 1_000_000)
        s.flow = live.flow.map { f in
            var h = f
            h.offered = f.offered.droppingNewest(k)
            h.goodput = f.goodput.droppingNewest(k)
            h.failed = f.failed.droppingNewest(k)
            h.p99 = f.p99.droppingNewest(k)
            return h
        }
        return s
    }

    public func node(_ name: String) -> NodeRow? { nodes.first { $0.name == name } }
    public func queue(group: String) -> QueueRow? { queues.first { $0.group == group } }
    /// The four load figures over all workloads.
    public var totalRates: LoadRates { workloads.reduce(.zero) { $0 + $1.rates } }

    /// Aborted plus failed as a share of all requests finished in the window.
    public var errorRate: Double? {
        var errors = 0.0, total = 0.0
        for row in workloads {
            for o in RequestOutcome.allCases {
                let r = row.load.outcomes[o.rawValue].rate(last: window)
                total += r
                if o == .aborted || o == .failed { errors += r }
            }
        }
        return total > 0 ? errors / total : nil
    }
}

extension Simulation {
    public func snapshot() -> MetricsSnapshot {
        let w = Simulation.window
        return MetricsSnapshot(
            time: now,
            seed: config.seed,
            baseRateTPS: baseRateTPS,
            mix: mix,
            commitProtocol: commitProtocol,
            paused: paused,
            gateway: MetricsSnapshot.GatewayStatus(
                up: gateway.up, approved: gateway.approved, declined: gateway.declined, chargedMinorUnits: gateway.chargedMinorUnits,
                reversals: gateway.reversals, reversedMinorUnits: gateway.reversedMinorUnits,
                unknownOutcomes: gatewayStats.unknownOutcomes, lateApprovals: gatewayStats.lateApprovals,
                reversalsPending: reversals.count, openCharges: gateway.openCharges.count,
                breakersOpen: resilience.breakers ? nodes.reduce(0) { $0 + ($1.breaker.state == .closed ? 0 : 1) } : 0),
            resilience: resilience,
            spikes: spikes.map { MetricsSnapshot.SpikeRow(factor: $0.factor, workload: $0.workload, remaining: SimDuration(microseconds: $0.endsAt - nowMicros)) },
            partitions: network.cuts.filter { $0.until > nowMicros }.map {
                MetricsSnapshot.PartitionRow(text: $0.text, remaining: SimDuration(microseconds: $0.until - nowMicros))
            },
            workloads: Workload.allCases.map { wl in
                let l = load[wl.rawValue]
                let latency = workloadLatency[wl.rawValue].milliseconds(percentiles: [50, 99])
                return MetricsSnapshot.WorkloadRow(
                    workload: wl, rateTPS: currentRate(wl),
                    rates: MetricsSnapshot.LoadRates(offered: l.offered.rate(last: w), attempts: l.attempts.rate(last: w),
                                                     retries: l.retries.rate(last: w), shed: l.shed.rate(last: w),
                                                     limited: l.limited.rate(last: w), goodput: l.goodput.rate(last: w)),
                    outcomeShares: l.outcomeShares(last: w), stats: stats[wl.rawValue], load: l,
                    p50Milliseconds: latency[0], p99Milliseconds: latency[1],
                    tpsHistory: l.goodput.perSecond.values, offeredHistory: l.offered.perSecond.values,
                    failedHistory: zip(l.outcomes[RequestOutcome.aborted.rawValue].perSecond.values,
                                       l.outcomes[RequestOutcome.failed.rawValue].perSecond.values).map { $0 + $1 },
                    inDoubt: inDoubtByWorkload[wl.rawValue])
            },
            commit: commitStats,
            shards: shards.map { s in
                MetricsSnapshot.ShardRow(
                    name: s.name, up: s.up, partitioned: network.isCut(.shard(s.index), at: nowMicros), locksHeld: s.locks.count,
                    inDoubt: inDoubt(on: s),
                    lockWaits: s.lockWaits, commits: s.commits, crashes: s.crashes,
                    readsPerSecond: s.reads.rate(last: w), commitP99Milliseconds: shardCommitLatency[s.index].milliseconds(percentile: 99),
                    restartsIn: s.restartAt.map { SimDuration(microseconds: $0 - nowMicros) },
                    cpuUtilisation: s.cpu.utilisation.mean(last: w), logUtilisation: s.wal.device.utilisation.mean(last: w),
                    queueWaitMilliseconds: s.cpu.meanWait.mean(last: w) / 1_000, fsyncBatch: s.wal.batchSize.mean(last: w),
                    refused: s.refused)
            },
            coordinators: coordinators.map { c in
                MetricsSnapshot.CoordinatorRow(name: c.name, up: c.up, active: c.active.count, crashes: c.crashes,
                                               restartsIn: c.restartAt.map { SimDuration(microseconds: $0 - nowMicros) })
            },
            balancer: balancer.algorithm,
            balancerRejections: balancer.rejections.total,
            balancerRejectionsPerSecond: balancer.rejections.rate(last: w),
            nodes: nodeRows(),
            queues: queueRows(),
            cache: cacheRow(),
            log: logRow(),
            ledger: MetricsSnapshot.LedgerStatus(violationCount: auditor.violationCount, violations: auditor.violations,
                                                 transactionsChecked: auditor.transactionsChecked),
            money: moneyStatus(),
            flow: flowHistory,
            events: events.array(),
            eventsProcessed: eventsProcessed,
            requestsInFlight: inFlightRequests,
            uncreditedTopups: pendingTopups.count,
            thresholds: thresholdStatuses,
            ramp: ramp,
            drill: drillStatus,
            timeline: timeline,
            traces: traces.lists()
        )
    }
}
