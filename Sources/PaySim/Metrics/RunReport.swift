import Histogram

/// The headless run's report. Field names are snake_case and stable:
/// scripts and dashboards read them. It holds no wall-clock figure, so equal
/// inputs give byte-identical output.
public struct RunReport: Codable, Sendable, Equatable {
    public struct Latency: Codable, Sendable, Equatable {
        public var p50: Double
        public var p99: Double
        public var p999: Double
        public var max: Double
    }
    /// The four load figures: totals, and per second of arrivals.
    public struct Load: Codable, Sendable, Equatable {
        public var offered: Int64
        public var attempts: Int64
        public var retries: Int64
        public var shed: Int64
        public var limited: Int64
        public var goodput: Int64
        public var per_s: MetricsSnapshot.LoadRates
        /// Shed attempts by reason.
        public var shed_by_reason: [String: Int64]
        /// Retries the retry budget refused (the request failed instead).
        public var retries_refused_by_budget: Int64

        init(_ loads: [LoadStats], seconds: Double) {
            func sum(_ k: KeyPath<LoadStats, CounterSeries>) -> Int64 { loads.reduce(0) { $0 + $1[keyPath: k].total } }
            offered = sum(\.offered)
            attempts = sum(\.attempts)
            retries = sum(\.retries)
            shed = sum(\.shed)
            limited = sum(\.limited)
            goodput = sum(\.goodput)
            let d = max(seconds, 1e-9)
            func rate(_ v: Int64) -> Double { (Double(v) / d * 100).rounded() / 100 }
            per_s = MetricsSnapshot.LoadRates(offered: rate(offered), attempts: rate(attempts), retries: rate(retries), shed: rate(shed),
                              limited: rate(limited), goodput: rate(goodput))
            var reasons: [String: Int64] = [:]
            for r in Refusal.allCases {
                let n = loads.reduce(0) { $0 + $1.shedByReason[r.rawValue] }
                if n > 0 { reasons[r.description] = n }
            }
            shed_by_reason = reasons
            retries_refused_by_budget = loads.reduce(0) { $0 + $1.retriesRefusedByBudget }
        }
    }
    public struct WorkloadReport: Codable, Sendable, Equatable {
        public var submitted: Int64
        public var committed: Int64
        public var declined: Int64
        public var aborted: Int64
        public var failed: Int64
        public var duplicates: Int64
        /// Committed requests only, arrival to commit.
        public var latency_ms: Latency
        /// Aborted and failed requests, arrival to the failure.
        public var failure_latency_ms: Latency
        public var decline_latency_ms: Latency
        public var load: Load
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
        public var stale_inputs: Int64
        public var idle_aborts: Int64
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
        public var duplicates_caught: Int64
    }
    public struct NodeReport: Codable, Sendable, Equatable {
        public var name: String
        public var state: String
        public var requests: Int64
        public var errors: Int64
        public var refused: Int64
        public var breaker: String
        public var breaker_opens: Int64
    }
    public struct ShardReport: Codable, Sendable, Equatable {
        public var name: String
        public var commits: Int64
        public var lock_waits: Int64
        public var refused: Int64
        public var crashes: Int64
    }
    public struct GatewayReport: Codable, Sendable, Equatable {
        public var approved: Int64
        public var declined: Int64
        public var charged_minor: Int64
        public var reversals: Int64
        public var reversed_minor: Int64
        public var unknown_outcomes: Int64
        public var late_approvals: Int64
        public var reversals_pending: Int
        public var open_charges: Int
    }
    public struct PaymentsReport: Codable, Sendable, Equatable {
        /// Holds placed whose client was told the payment was authorised.
        public var authorised: Int64
        public var captured: Int64
        public var captured_minor: Int64
        public var partial_captures: Int64
        /// Holds released because their client had been told the payment failed.
        public var voided: Int64
        /// Holds released uncaptured at the end of the capture window.
        public var expired: Int64
        public var refunded: Int64
        public var refunded_minor: Int64
        public var refunds_declined: Int64
        public var chargebacks: Int64
        public var chargebacks_minor: Int64
        public var chargebacks_declined: Int64
        /// Holds still in place at the end, and their value.
        public var holds_open: Int
        public var holds_open_minor: Int64
    }
    public struct TopupsReport: Codable, Sendable, Equatable {
        /// Authorisations the gateway approved.
        public var authorised: Int64
        /// Captures confirmed: the only charges credited to a wallet.
        public var captured: Int64
        /// Reversals the gateway acknowledged (voided authorisations and refunded captures).
        public var reversed: Int64
        public var unknown_outcomes: Int64
    }
    public struct TradesReport: Codable, Sendable, Equatable {
        public var accepted: Int64
        public var settled: Int64
        /// Trades whose settlement the counterparty failed every attempt of: unwound.
        public var settlement_failed: Int64
        public var failed_attempts: Int64
        /// Accepted and not yet settled at the end.
        public var awaiting: Int
    }
    public struct PayoutsReport: Codable, Sendable, Equatable {
        public var batches: Int64
        /// Payout transactions committed and the money they paid.
        public var transactions: Int64
        public var paid_minor: Int64
        /// Payout transactions declined (a merchant's balance fell since it was read); their merchants roll over.
        public var failed: Int64
        public var retries: Int64
    }
    public struct ReconciliationReport: Codable, Sendable, Equatable {
        /// Records (payments, top-ups, trades, payout transactions) closed and reconciled.
        public var checked: Int64
        public var breaks: Int64
        public var break_list: [ReconciliationBreak]
        /// Seconds since every record that was due had matched.
        public var lag_s: Double
        /// Records still open at the end (holds awaiting capture, trades awaiting settlement…).
        public var open: Int
    }
    public struct ResilienceReport: Codable, Sendable, Equatable {
        public var breakers: Bool
        public var bulkhead_connections: Int?
        public var retry_budget_percent: Double?
        public var max_attempts: Int
        public var deadline_s: Double?
        public var ejection: Bool
        public var merchant_rate_limit_per_s: Double?
    }

    public var run: RunInfo
    public var load: Load
    public var cache: CacheReport
    public var queues: [QueueReport]
    /// `embedded`, or the Redis URL (password shown as ***) of the stream log.
    public var queue_backend: String
    /// Messages of money topics (top-up callbacks) ever dropped: always 0.
    public var money_messages_dropped: Int64
    public var nodes: [NodeReport]
    public var balancer_rejections: Int64
    public var shards: [ShardReport]
    public var gateway: GatewayReport
    public var resilience: ResilienceReport
    public var workloads: [String: WorkloadReport]
    public var commit: CommitReport
    public var ledger: LedgerReport
    public var payments: PaymentsReport
    public var topups: TopupsReport
    public var trades: TradesReport
    public var payouts: PayoutsReport
    public var reconciliation: ReconciliationReport
    /// Requests still without an answer when the report was made.
    public var in_flight_at_end: Int
    /// Top-ups authorised whose wallet credit had not landed.
    public var uncredited_topups: Int
    /// The run's service-level thresholds and how each fared (absent without any).
    public var slo: [SLOReport]?
    /// Set when `--abort-on-breach` stopped the run: the simulated second of the first breach.
    public var aborted_on_breach_at_s: Double?
    /// Every change made to the platform during the run, oldest first.
    public var actions: [ActionReport] = []
    public var actions_dropped: Int = 0

    public struct ActionReport: Codable, Sendable, Equatable {
        public var at_s: Double
        public var who: String
        public var via: String
        public var command: String
        public init(_ a: OperatorAction) {
            at_s = a.at.seconds
            who = a.who
            via = a.via
            command = a.command
        }
    }

    public struct SLOReport: Codable, Sendable, Equatable {
        public var threshold: String
        public var held: Bool
        public var breaches: Int
        public var breached_s: Int
        /// The worst value over a window, in the threshold's unit (ms for times, a fraction for shares), and when that window ended.
        public var worst: Double?
        public var worst_text: String?
        public var worst_at_s: Double?

        public init(_ st: SLOStatus) {
            threshold = st.threshold.description
            held = st.held
            breaches = st.breaches
            breached_s = st.breachedSeconds
            worst = st.worst
            worst_text = st.worst.map { st.threshold.display($0) }
            worst_at_s = st.worstAt?.seconds
        }
    }

    public init(snapshot s: MetricsSnapshot, config: SimulationConfig, duration: SimDuration) {
        let seconds = duration.seconds
        run = RunInfo(seed: config.seed, duration_s: seconds, simulated_s: s.time.seconds,
                      rate_tps_base: config.baseRateTPS, mix: config.mix.description, shards: config.shards,
                      nodes: config.nodes, events: s.eventsProcessed)
        load = Load(s.workloads.map(\.load), seconds: seconds)
        func latency(_ h: KeyPath<WorkloadStats, Histogram<UInt32>>, _ st: WorkloadStats) -> Latency {
            let hist = st[keyPath: h]
            return Latency(p50: WorkloadStats.milliseconds(hist, 50), p99: WorkloadStats.milliseconds(hist, 99),
                           p999: WorkloadStats.milliseconds(hist, 99.9), max: WorkloadStats.maxMilliseconds(hist))
        }
        var w: [String: WorkloadReport] = [:]
        for row in s.workloads {
            let st = row.stats
            w[row.workload.name] = WorkloadReport(
                submitted: st.submitted, committed: st.committed, declined: st.declined, aborted: st.aborted,
                failed: st.failed, duplicates: st.duplicates,
                latency_ms: latency(\.latency, st), failure_latency_ms: latency(\.failureLatency, st),
                decline_latency_ms: latency(\.declineLatency, st), load: Load([row.load], seconds: seconds))
        }
        workloads = w
        let total = s.cache.stats.total
        cache = CacheReport(backend: s.cache.backend, hits: total.hits, misses: total.misses,
                            hit_rate: (total.hitRate * 10_000).rounded() / 10_000, evictions: total.evictions,
                            expirations: total.expirations,
                            server: s.cache.serverCounters.isEmpty ? nil : Dictionary(uniqueKeysWithValues: s.cache.serverCounters.map { ($0.name, $0.value) }))
        queue_backend = s.log.backend
        money_messages_dropped = s.log.moneyDropped
        queues = s.queues.map {
            QueueReport(topic: $0.topic, group: $0.group, depth: $0.depth, lag: $0.lag, redeliveries: $0.redeliveries,
                        duplicates_caught: $0.duplicatesCaught)
        }
        nodes = s.nodes.map {
            NodeReport(name: $0.name, state: $0.state.rawValue, requests: $0.requests, errors: $0.errors, refused: $0.refused,
                       breaker: $0.breaker.rawValue, breaker_opens: $0.breakerOpens)
        }
        balancer_rejections = s.balancerRejections
        shards = s.shards.map { ShardReport(name: $0.name, commits: $0.commits, lock_waits: $0.lockWaits, refused: $0.refused, crashes: $0.crashes) }
        let g = s.gateway
        gateway = GatewayReport(approved: g.approved, declined: g.declined, charged_minor: g.chargedMinorUnits, reversals: g.reversals,
                                reversed_minor: g.reversedMinorUnits, unknown_outcomes: g.unknownOutcomes, late_approvals: g.lateApprovals,
                                reversals_pending: g.reversalsPending, open_charges: g.openCharges)
        let r = s.resilience
        resilience = ResilienceReport(breakers: r.breakers, bulkhead_connections: r.bulkheadConnections, retry_budget_percent: r.retryBudgetPercent,
                                      max_attempts: r.maxAttempts, deadline_s: r.deadline?.seconds, ejection: r.ejection,
                                      merchant_rate_limit_per_s: r.merchantRateLimitPerSecond)
        let c = s.commit
        commit = CommitReport(protocol: s.commitProtocol.rawValue, prepared: c.prepared, committed: c.committed,
                              aborted: c.aborted, local_commits: c.localCommits, in_doubt: c.inDoubt,
                              in_doubt_total: c.inDoubtTotal, lock_waits: c.lockWaits, messages: c.messages,
                              messages_dropped: c.messagesDropped, fsyncs: c.fsyncs, stale_inputs: c.staleInputs,
                              idle_aborts: c.idleAborts)
        ledger = LedgerReport(balanced: s.ledger.balanced, violation_count: s.ledger.violationCount,
                              violations: s.ledger.violations, transactions_checked: s.ledger.transactionsChecked)
        let m = s.money
        let p = m.payments
        payments = PaymentsReport(authorised: p.authorised, captured: p.captured, captured_minor: p.capturedMinorUnits,
                                  partial_captures: p.partialCaptures, voided: p.voided, expired: p.expired, refunded: p.refunded,
                                  refunded_minor: p.refundedMinorUnits, refunds_declined: p.refundsDeclined, chargebacks: p.chargebacks,
                                  chargebacks_minor: p.chargebackMinorUnits, chargebacks_declined: p.chargebacksDeclined,
                                  holds_open: m.holdsOpen, holds_open_minor: m.holdsMinorUnits)
        topups = TopupsReport(authorised: m.topups.authorised, captured: m.topups.captured, reversed: m.topups.reversed,
                              unknown_outcomes: g.unknownOutcomes)
        trades = TradesReport(accepted: m.trades.accepted, settled: m.trades.settled, settlement_failed: m.trades.settlementFailed,
                              failed_attempts: m.trades.failedAttempts, awaiting: m.tradesAwaiting)
        payouts = PayoutsReport(batches: m.payouts.batches, transactions: m.payouts.transactions, paid_minor: m.payouts.paidMinorUnits,
                                failed: m.payouts.failed, retries: m.payouts.retries)
        reconciliation = ReconciliationReport(checked: m.reconciled, breaks: m.breakCount, break_list: m.breaks,
                                              lag_s: (m.reconciliationLagSeconds * 10).rounded() / 10, open: m.openRecords)
        in_flight_at_end = s.requestsInFlight
        uncredited_topups = s.uncreditedTopups
    }
}
