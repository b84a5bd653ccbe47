import DequeModule
import HeapModule

/// The whole simulated payment platform: ledger shards, commit coordinators,
/// workloads and the card gateway, driven by one event queue in simulated
/// time.
///
/// Not thread-safe by design: one thread owns it and calls `apply`,
/// `advance` and `snapshot` in turn (the console's frame loop or a headless
/// run). Nothing here reads the wall clock or a global random generator, and
/// no unordered collection is iterated where the order could reach a result,
/// so a seed, a configuration and a command log determine every figure.
public final class Simulation {
    public let config: SimulationConfig
    /// The current simulated time in microseconds.
    public internal(set) var nowMicros: Int64 = 0
    public var now: SimTime { SimTime(microseconds: nowMicros) }

    var queue = EventQueue<SimEvent>()
    var ledger: Ledger
    var shards: [Shard]
    var coordinators: [Coordinator]
    var auditor = Auditor()
    var idempotency: IdempotencyStore

    // Independent random streams: changing how one part draws never shifts another.
    var arrivalRNG: SeededRandom
    var requestRNG: SeededRandom
    var networkRNG: SeededRandom
    var diskRNG: SeededRandom

    let customerPopularity: Zipf
    let merchantPopularity: Zipf
    let networkLatency: TabulatedLogNormal
    let fsyncLatency: TabulatedLogNormal
    /// CPU time distributions, built once.
    let nodeCPU: TabulatedLogNormal
    let shardPrepareCPU: TabulatedLogNormal
    let shardApplyCPU: TabulatedLogNormal
    let shardBalanceReadCPU: TabulatedLogNormal
    let shardProfileReadCPU: TabulatedLogNormal
    let paymentAmount = LogNormal(median: 2_500, sigma: 1.0)
    /// Each distinct table the distributions above and the log's consumers
    /// sample from, once (distributions with the same σ share one).
    lazy var distributionTables: [[Double]] = {
        var tables: [[Double]] = []
        let all = [networkLatency, fsyncLatency, nodeCPU, shardPrepareCPU, shardApplyCPU, shardBalanceReadCPU, shardProfileReadCPU]
            + groups.map(\.processing)
        var sigmas = Set<Double>()
        for d in all where sigmas.insert(d.sigma).inserted { tables.append(d.table) }
        return tables
    }()
    /// Where `warmAfterIdle` leaves its sums, so its reads stay.
    private var warmedSum = 0.0
    private var warmedKeys: Int64 = 0
    var symbolPrices: [Int64]

    public internal(set) var commitProtocol: CommitProtocol
    public internal(set) var baseRateTPS: Double
    public internal(set) var mix: WorkloadMix
    var rateOverride: [Double?] = [nil, nil, nil]
    var arrivalToken: [UInt32] = [0, 0, 0]
    var arrivalsOpen = true
    public internal(set) var paused = false
    /// The protections as an operator has set them.
    public internal(set) var resilience: ResilienceSettings

    struct Spike {
        let id: Int
        let factor: Double
        let workload: Workload?
        let endsAt: Int64
    }
    var spikes: [Spike] = []
    var nextSpikeID = 0
    /// A load shape in progress (`ramp rate A to B over D`).
    public struct Ramp: Sendable, Equatable, Codable {
        public let from: Double
        public let to: Double
        let startedAt: Int64
        public let duration: SimDuration
        public let workload: Workload?
        func rate(at now: Int64) -> Double {
            let f = min(1, Double(now - startedAt) / Double(max(1, duration.microseconds)))
            return from + (to - from) * f
        }
        public func remaining(at now: SimTime) -> SimDuration {
            SimDuration(microseconds: max(0, startedAt + duration.microseconds - now.microseconds))
        }
    }
    public internal(set) var ramp: Ramp?

    var stats = [WorkloadStats](repeating: WorkloadStats(), count: Workload.allCases.count)
    var load = [LoadStats](repeating: LoadStats(), count: Workload.allCases.count)
    var commitStats = CommitStats()
    var nextTxnID: Int64 = 1
    var nextRequestID: Int64 = 1
    var inFlightRequests = 0
    /// Transactions not yet final on every participant, for the full audit.
    var unsettled = Int64Map<Txn>()
    var nextCoordinator = 0
    var eventsProcessed: Int64 = 0
    var events = EventLog(capacity: 500)
    /// Fault-injection points armed by tests and game days; each fires once.
    var armedCrashPoints: [CrashPoint] = []
    var firedCrashPoints: [(CrashPoint, Txn)] = []
    /// Reused by `onCoordinatorLogForced` (not re-entered), so a batch allocates nothing.
    var decidedScratch: [(Txn, Effects<CoordinatorMachine.Effect>)] = []
    /// The arrays a durable batch is handed over in, kept between fsyncs.
    var forcedScratch: [Shard.ForceWaiter] = []
    var loggedScratch: [Txn] = []
    /// In-doubt resolutions logged this second, and those summed instead
    /// (committed, aborted, split).
    var resolvedInDoubtLogged = 0
    var resolvedInDoubtUnlogged = [0, 0, 0]
    /// What every client was told and what every transaction did, by
    /// idempotency key: kept only when `config.trackOutcomes` is set (the
    /// fuzzer), since it grows with the run.
    var outcomes: OutcomeRecord?
    /// The sampled transaction traces the console shows.
    var traces = Traces(sampleEvery: Traces.defaultSampleEvery)
    /// Every protocol step of the transactions with this idempotency key,
    /// and every event-log line, go to `tracer` (-1: none).
    var traceKey: Int64 = -1
    var tracer: ((String) -> Void)?
    /// Partitions in force between shards and nodes.
    var network: Network

    // Clients.
    var retryRNG: SeededRandom
    var backoff: Backoff
    var retryBudget: RetryBudget
    /// Per-merchant token buckets at the edge.
    var merchantBuckets: [TokenBucket]

    // App nodes and the balancer.
    var nodes: [AppNode] = []
    var balancer: Balancer
    public var balancerAlgorithm: BalancerAlgorithm { balancer.algorithm }

    // The card gateway, the platform's journal of calls and its reversals.
    var gateway: CardGateway
    var gatewayStats = GatewayStats()
    var authorisations = Int64Map<Authorisation>()
    var reversals: [Int64: PendingReversal] = [:]
    public var gatewayUp: Bool { gateway.up }

    // The cache tier and what it saves the shards.
    public let cache: CacheTier
    var cacheHitRate = SecondSeries()
    var cacheHitsPerSecond = SecondSeries()
    var cacheMissesPerSecond = SecondSeries()
    var cacheEvictionsPerSecond = SecondSeries()
    var lastCacheTotals = CacheKeyspaceStats()
    /// Refills on their way back from the shards (`landFills`).
    var pendingFills = Heap<PendingFill>()
    var nextFillSequence: Int64 = 0
    /// Reads issued to a pipelining cache, answered together (`resolveCacheReads`).
    var heldCacheReads: [(request: Request, token: UInt32, reads: ReadPlan)] = []

    // The message log.
    var topics: [Topic] = []
    var groups: [ConsumerGroup] = []
    var consumerRNG: SeededRandom
    /// The message log on a server (Redis Streams), or nil for the embedded log.
    public let logBackend: LogBackend?
    /// The backend connection the streams were last brought up to date on.
    var logGeneration = 0
    var logBufferFullLogged = false
    var moneyTopicFullLogged = false
    /// Top-ups authorised and waiting for their wallet credit, by request id.
    var pendingTopups = Int64Map<Request>()
    /// Money credited to wallets by top-ups, counted once per top-up.
    var creditedMinorUnits: Int64 = 0

    // The life of money: open payments, top-ups, trades and payouts, their
    // journals, the merchants' books and the reconciler.
    var lives = Int64Map<Life>()
    let census = LifeCensus()
    var lifeTimers: [Int64: [LifeTimerEntry]] = [:]
    var lifeTimerSequence: Int64 = 0
    /// When the next tick runs: records' timers due before it are in the event queue.
    var nextTickMicros: Int64 = 1_000_000
    var refundsPerSecond = CounterSeries()
    /// The run's service-level thresholds, when it has any.
    var slo: SLOMonitor?
    /// The drill the run follows, and how many of its steps have run.
    public internal(set) var drill: Scenario?
    public internal(set) var drillName = ""
    public internal(set) var drillStepsDone = 0
    /// What the drill and the operators did, oldest first.
    public internal(set) var actions: [OperatorAction] = []
    public internal(set) var actionsDropped = 0
    /// Keeps the run's per-second series when asked (`keepSeries`).
    var seriesSampler: SeriesSampler?
    /// Told of every committed request's latency from arrival, in µs (the
    /// metrics endpoint's histogram).
    public var committedLatencyObserver: ((Workload, Int64) -> Void)?
    /// Told of every event as it is logged (the events export).
    public var eventObserver: ((SimLogEntry) -> Void)?
    /// Told of every action as it is noted (a recording writes it out).
    public var actionObserver: ((OperatorAction) -> Void)?
    /// The drill's steps the platform refused, by index, in the order they came.
    public internal(set) var drillRefusals: [(index: Int, error: CommandError)] = []
    /// The last hour of flow per workload, for the console's chart.
    var flowHistory = [MetricsSnapshot.FlowHistory](repeating: MetricsSnapshot.FlowHistory(), count: Workload.allCases.count)
    var chargebacksPerSecond = CounterSeries()
    var lifeRNG = SeededRandom(seed: 0, stream: "lifecycle")
    var paymentStats = PaymentStats()
    var topupStats = TopupStats()
    var tradeStats = TradeStats()
    var payoutStats = PayoutStats()
    var reconciliation = Reconciliation()
    /// Per merchant: the opening balance kept as a reserve, and what the
    /// journal and the payouts say happened.
    var merchantReserve: [Int64] = []
    var merchantBook: [MerchantBook] = []
    /// What the next payout would pay: the sum of `owed(merchant:)`, kept
    /// as balances and payouts in flight change, so no frame walks the merchants.
    var merchantsOwed: Int64 = 0
    var payoutsPaused = false
    /// The share of settlement attempts the counterparty fails (an operator can change it).
    var settlementFailFraction = 0.0
    var nextPayoutBatch: Int64 = 1
    /// Background jobs started and not yet finished (retry waits included).
    var jobsRunning = 0

    // Per-second history for rates and sparklines.
    var workloadLatency: [LatencyWindow] = [LatencyWindow(), LatencyWindow(), LatencyWindow()]
    var shardCommitLatency: [LatencyWindow] = []
    var inDoubtByWorkload = [0, 0, 0]

    /// Builds the platform; `cache` defaults to the embedded LRU and `log`
    /// to the embedded message log.
    public init(config: SimulationConfig, cache: CacheTier? = nil, log: LogBackend? = nil) {
        precondition(Limits.shards.contains(config.shards), "shards must be \(Limits.shards.text)")
        precondition(Limits.nodes.contains(config.nodes), "nodes must be \(Limits.nodes.text)")
        self.config = config
        var setupRNG = SeededRandom(seed: config.seed, stream: "ledger")
        ledger = Ledger(customers: config.customers, merchants: config.merchants, symbols: config.symbols,
                        shards: config.shards, rng: &setupRNG)
        shards = (0..<config.shards).map { Shard(index: $0, cores: config.shardCores, maxBatch: config.fsyncMaxBatchRecords) }
        coordinators = (0..<config.nodes).map { Coordinator(index: $0, maxBatch: config.fsyncMaxBatchRecords) }
        idempotency = IdempotencyStore(retention: config.idempotencyRetention)
        arrivalRNG = SeededRandom(seed: config.seed, stream: "arrivals")
        requestRNG = SeededRandom(seed: config.seed, stream: "requests")
        networkRNG = SeededRandom(seed: config.seed, stream: "network")
        diskRNG = SeededRandom(seed: config.seed, stream: "disk")
        retryRNG = SeededRandom(seed: config.seed, stream: "retries")
        customerPopularity = Zipf(n: config.customers, exponent: config.customerZipfExponent)
        merchantPopularity = Zipf(n: config.merchants, exponent: config.merchantZipfExponent)
        networkLatency = TabulatedLogNormal(median: Double(config.networkLatencyMedian.microseconds), sigma: config.networkLatencySigma)
        fsyncLatency = TabulatedLogNormal(median: Double(config.fsyncLatencyMedian.microseconds), sigma: config.fsyncLatencySigma)
        nodeCPU = TabulatedLogNormal(median: Double(config.nodeCPUMedian.microseconds), sigma: 0.4)
        shardPrepareCPU = TabulatedLogNormal(median: Double(config.shardPrepareCPUMedian.microseconds), sigma: config.shardCPUSigma)
        shardApplyCPU = TabulatedLogNormal(median: Double(config.shardApplyCPUMedian.microseconds), sigma: config.shardCPUSigma)
        shardBalanceReadCPU = TabulatedLogNormal(median: Double(config.shardBalanceReadCPUMedian.microseconds), sigma: config.shardCPUSigma)
        shardProfileReadCPU = TabulatedLogNormal(median: Double(config.shardProfileReadCPUMedian.microseconds), sigma: config.shardCPUSigma)
        symbolPrices = (0..<config.symbols).map { _ in Int64(1_000 + setupRNG.nextInt(below: 19_000)) }
        commitProtocol = config.commitProtocol
        baseRateTPS = config.baseRateTPS
        mix = config.mix
        resilience = ResilienceSettings(config)
        network = Network(shards: config.shards, nodes: config.nodes, onset: config.partitionOnset)
        backoff = Backoff(baseMicros: config.retryBackoffBase.microseconds, capMicros: config.retryBackoffCap.microseconds)
        retryBudget = RetryBudget(percent: config.retryBudgetPercent, minPerSecond: config.retryBudgetMinPerSecond,
                                  window: config.retryBudgetWindow)
        merchantBuckets = [TokenBucket](repeating: TokenBucket(burst: config.merchantRateLimitBurst, now: 0), count: config.merchants)
        balancer = Balancer(algorithm: config.balancer, nodes: config.nodes, slowStart: config.slowStart, seed: config.seed)
        gateway = CardGateway(seed: config.seed,
                              latency: LogNormal(median: Double(config.gatewayLatencyMedian.microseconds), sigma: config.gatewayLatencySigma),
                              captureLatency: LogNormal(median: Double(config.gatewayCaptureLatencyMedian.microseconds), sigma: config.gatewayLatencySigma),
                              declineFraction: config.gatewayDeclineFraction, tombstoneRetention: config.gatewayCallTimeout * 30)
        consumerRNG = SeededRandom(seed: config.seed, stream: "consumers")
        self.cache = cache ?? EmbeddedCache(capacity: config.cacheCapacity)
        logBackend = log
        shardCommitLatency = (0..<config.shards).map { _ in LatencyWindow() }
        nodes = (0..<config.nodes).map { i in
            AppNode(index: i, weight: config.nodeWeights[i % config.nodeWeights.count],
                    capacity: config.nodeCapacities[i % config.nodeCapacities.count],
                    cores: config.nodeCores[i % config.nodeCores.count], queueLimit: config.nodeQueueLimit, config: config)
        }
        setUpMessaging()
        if config.trackOutcomes { outcomes = OutcomeRecord() }
        if config.cacheWarmStart { warmCache() }
        for n in nodes.indices {
            // Staggered, as real checkers spread their probes.
            let offset = config.healthCheckInterval.microseconds * Int64(n + 1) / Int64(nodes.count)
            queue.schedule(at: offset, .healthCheck(node: Int32(n)))
        }
        for w in Workload.allCases { scheduleNextArrival(w) }
        queue.schedule(at: 1_000_000, .tick)
        merchantReserve = (0..<config.merchants).map { ledger.balance(ledger.merchant($0)) }
        merchantBook = [MerchantBook](repeating: MerchantBook(), count: config.merchants)
        lifeRNG = SeededRandom(seed: config.seed, stream: "lifecycle")
        settlementFailFraction = config.settlementFailFraction
        queue.schedule(at: config.payoutInterval.microseconds, .payoutBatch)
    }

    // MARK: Driving

    /// Processes every event up to and including `time`, then sets the clock to it.
    public func advance(to time: SimTime) {
        _ = advance(to: time, eventBudget: Int.max)
    }

    /// Reads the distribution tables and the event heap's keys through
    /// once, in order. A process that has slept (a console between frames)
    /// finds them gone from the CPU's caches, and its samples and pops would
    /// fetch them back one scattered line at a time, for most of each in a
    /// frame of any load; read in order, the lines stream in at a fraction
    /// of that cost (4% of the console's CPU at 1,000 tps). It changes no
    /// result.
    public func warmAfterIdle() {
        warmedKeys = queue.readKeysThrough()
        var sum = 0.0
        for t in distributionTables {
            t.withUnsafeBufferPointer { b in
                var i = 0
                while i < b.count {
                    sum += b[i]
                    i += 8
                }
            }
        }
        warmedSum = sum
    }

    /// Processes events up to `time` but at most `eventBudget` of them.
    /// Returns true when it reached `time`; otherwise the clock stops at the
    /// last event processed, so a caller that is out of time per frame falls
    /// behind instead of freezing.
    @discardableResult
    public func advance(to time: SimTime, eventBudget: Int) -> Bool {
        let limit = time.microseconds
        var budget = eventBudget
        while budget > 0, let entry = queue.popNext(notAfter: limit) {
            // Simulated time never goes back: the queue hands events out in time order.
            precondition(entry.time >= nowMicros, "event at \(entry.time) µs is before now, \(nowMicros) µs")
            nowMicros = entry.time
            eventsProcessed += 1
            budget -= 1
            handle((consume entry).payload)
        }
        if cache.pipelinesReads { cache.sync() }
        logBackend?.flush()
        if queue.nextTime.map({ $0 > limit }) ?? true {
            if limit > nowMicros { nowMicros = limit }
            return true
        }
        return false
    }

    /// Moves to an exact point of the run: `time`, with exactly `event`
    /// events processed, as a recorded action or ending names it. False
    /// when the run cannot be there: it is already past that point, or it
    /// reaches `time` with fewer events (the run has diverged from the one
    /// recorded).
    public func advance(toEvent event: Int64, at time: SimTime) -> Bool {
        while eventsProcessed < event {
            let before = eventsProcessed
            let budget = Int(clamping: event - eventsProcessed)
            advance(to: time, eventBudget: budget)
            if eventsProcessed == before { break }
        }
        if eventsProcessed == event && nowMicros < time.microseconds && (queue.nextTime.map { $0 > time.microseconds } ?? true) {
            nowMicros = time.microseconds
        }
        return eventsProcessed == event && nowMicros == time.microseconds
    }

    /// Stops new arrivals: the run winds down while in-flight work finishes.
    public func closeArrivals() {
        if arrivalsOpen { sloTick(final: true) }
        arrivalsOpen = false
        for w in Workload.allCases { arrivalToken[w.rawValue] &+= 1 }
    }

    /// True when no request is in flight, no transaction is unsettled, no
    /// card authorisation or reversal is outstanding, and every consumer
    /// group that has consumers has caught up with its topic.
    public var isQuiescent: Bool {
        inFlightRequests == 0 && unsettled.isEmpty && authorisations.isEmpty && reversals.isEmpty && jobsRunning == 0 && logCaughtUp
    }

    /// Total events processed since the start: the engine's unit of work.
    public var processedEvents: Int64 { eventsProcessed }

    func schedule(after delay: Int64, _ event: SimEvent) {
        queue.schedule(at: nowMicros + max(0, delay), event)
    }

    /// Arms a timer whose delay is a configured constant: it rides the
    /// queue's FIFO lane for that delay instead of the heap.
    @discardableResult
    func scheduleTimer(after delay: SimDuration, _ event: SimEvent) -> TimerHandle {
        queue.schedule(after: max(0, delay.microseconds), from: nowMicros, event)
    }

    /// Cancels a timer that can no longer do anything (its token is stale):
    /// the transaction or request it names is let go now, while it is
    /// still in cache, rather than when the timer comes due.
    func cancelTimer(_ handle: inout TimerHandle) {
        queue.cancel(handle, replacingWith: .cancelled)
        handle = .none
    }

    /// Runs one event. It takes the event over from the queue, so the
    /// references it carries move into the handler instead of being copied.
    func handle(_ event: consuming SimEvent) {
        switch consume event {
        case let .arrival(w, token): onArrival(w, token: token)
        case let .clientAttempt(r): attempt(r)
        case let .attemptAnswered(r, result): attemptFinished(r, result)
        case let .gatewayProcess(r, token): onGatewayProcess(r, token: token)
        case let .gatewayReply(r, approved, token): onGatewayReply(r, approved: approved, token: token)
        case let .gatewayCallTimeout(r, token): onGatewayCallTimeout(r, token: token)
        case let .gatewayCapture(r, token): onGatewayCapture(r, token: token)
        case let .gatewayCaptureReply(r, captured, token): onGatewayCaptureReply(r, captured: captured, token: token)
        case let .lifeDue(id, timer): onLifeDue(id, timer)
        case let .jobAttempt(r): runJob(r)
        case .payoutBatch: onPayoutBatch()
        case let .reversalAtGateway(id): onReversalAtGateway(id)
        case let .reversalAcknowledged(id): onReversalAcknowledged(id)
        case let .creditAttempt(r): attemptCredit(r)
        case let .toShard(t, p, from, m): shardReceive(t, part: Int(p), from: Int(from), m)
        case let .toCoordinator(t, p, m): coordinatorReceive(t, part: Int(p), m)
        case let .walForced(s, epoch): onWALForced(shard: Int(s), epoch: epoch)
        case let .coordinatorLogForced(c, epoch): onCoordinatorLogForced(Int(c), epoch: epoch)
        case let .lockTimeout(t, p, token): onLockTimeout(t, part: Int(p), token: token)
        case let .participantTimer(t, p, timer, token): onParticipantTimer(t, part: Int(p), timer, token: token)
        case let .coordinatorTimeout(t, token): onCoordinatorTimeout(t, token: token)
        case let .restartShard(s, epoch): restartShard(Int(s), epoch: epoch)
        case let .restartCoordinator(c, epoch): restartCoordinator(Int(c), epoch: epoch)
        case let .spikeEnd(id): endSpike(id)
        case let .nodeWorkDone(r, token): onNodeWorkDone(r, token: token)
        case let .healthCheck(n): onHealthCheck(Int(n))
        case let .consumerDone(g, p, offset, epoch): onConsumerDone(Int(g), partition: Int(p), offset: offset, epoch: epoch)
        case .tick: onTick()
        case .drillStep(let i): runDrillStep(Int(i))
        case .cancelled: break
        }
    }

    /// Once a simulated second: roll every per-second series and window, and
    /// run the sweeps that keep nothing stuck (idle participants, orphaned
    /// authorisations, unacknowledged reversals, ended partitions).
    func onTick() {
        scheduleTimer(after: .seconds(1), .tick)
        nextTickMicros = nowMicros + 1_000_000
        releaseLifeTimers()
        stepRamp()
        for w in Workload.allCases {
            load[w.rawValue].tick()
            flowHistory[w.rawValue].p99.append(workloadLatency[w.rawValue].currentSecondMilliseconds(percentile: 99) ?? .nan)
            workloadLatency[w.rawValue].tick()
            let l = load[w.rawValue]
            flowHistory[w.rawValue].offered.append(l.offered.perSecond.last ?? 0)
            flowHistory[w.rawValue].goodput.append(l.goodput.perSecond.last ?? 0)
            flowHistory[w.rawValue].failed.append((l.outcomes[RequestOutcome.aborted.rawValue].perSecond.last ?? 0)
                                                  + (l.outcomes[RequestOutcome.failed.rawValue].perSecond.last ?? 0))
            flowHistory[w.rawValue].seconds += 1
        }
        balancer.tick()
        for n in nodes {
            n.requests.tick()
            n.errors.tick()
            n.refusals.tick()
            n.latencyWindow.tick()
            n.cpu.tick(now: nowMicros)
        }
        for s in shards {
            s.reads.tick()
            s.cpu.tick(now: nowMicros)
            s.wal.tick(now: nowMicros)
            shardCommitLatency[s.index].tick()
        }
        for c in coordinators { c.log.tick(now: nowMicros) }
        let total = cache.stats.total
        let hits = total.hits - lastCacheTotals.hits, misses = total.misses - lastCacheTotals.misses
        cacheHitRate.append(hits + misses == 0 ? (cacheHitRate.last ?? 0) : Double(hits) / Double(hits + misses))
        cacheHitsPerSecond.append(Double(hits))
        cacheMissesPerSecond.append(Double(misses))
        cacheEvictionsPerSecond.append(Double(total.evictions - lastCacheTotals.evictions))
        lastCacheTotals = total
        pollCache()
        pollLog()
        for t in topics { t.produced.tick() }
        refundsPerSecond.tick()
        chargebacksPerSecond.tick()
        for g in groups {
            g.consumed.tick()
            g.lagHistory.append(Double(partitionLags(g).reduce(0, +)))
        }
        healPartitions()
        summariseResolvedInDoubt()
        landFills()
        abortIdleParticipants()
        sweepAuthorisations()
        reconciliationTick()
        sloTick()
        if seriesSampler != nil { sampleSeries() }
    }

    // MARK: Network

    /// Sends a protocol message to a transaction's coordinator; it is lost if
    /// the coordinator is down or cut off from the shard when it arrives.
    func sendToCoordinator(_ txn: Txn, part: Int, _ m: CoordinatorMessage) {
        commitStats.messages += 1
        schedule(after: networkHop(), .toCoordinator(txn, part: Int32(part), m))
    }

    /// One trip across the platform's network.
    func networkHop() -> Int64 { Int64(networkLatency.sample(&networkRNG)) }

    func shardName(_ i: Int) -> String { "shard-\(i + 1)" }
}
