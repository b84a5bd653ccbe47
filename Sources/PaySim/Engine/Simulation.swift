import DequeModule

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
    var gatewayRNG: SeededRandom

    let customerPopularity: Zipf
    let merchantPopularity: Zipf
    let networkLatency: LogNormal
    let fsyncLatency: LogNormal
    let gatewayLatency: LogNormal
    let paymentAmount = LogNormal(median: 2_500, sigma: 1.0)
    var symbolPrices: [Int64]

    public internal(set) var commitProtocol: CommitProtocol
    public internal(set) var baseRateTPS: Double
    public internal(set) var mix: WorkloadMix
    var rateOverride: [Double?] = [nil, nil, nil]
    var arrivalToken: [UInt32] = [0, 0, 0]
    var arrivalsOpen = true
    public internal(set) var gatewayUp = true
    public internal(set) var paused = false

    struct Spike {
        let id: Int
        let factor: Double
        let workload: Workload?
        let endsAt: Int64
    }
    var spikes: [Spike] = []
    var nextSpikeID = 0

    var stats = [WorkloadStats](repeating: WorkloadStats(), count: Workload.allCases.count)
    var commitStats = CommitStats()
    var nextTxnID: Int64 = 1
    var nextRequestID: Int64 = 1
    var inFlightRequests = 0
    /// Transactions not yet final on every participant, for the full audit.
    var unsettled: [Int64: Txn] = [:]
    var nextCoordinator = 0
    var eventsProcessed: Int64 = 0
    var events = EventLog(capacity: 500)
    /// Fault-injection points armed by tests and game days; each fires once.
    var armedCrashPoints: [CrashPoint] = []
    var firedCrashPoints: [(CrashPoint, Txn)] = []

    // App nodes and the balancer.
    var nodes: [AppNode] = []
    public internal(set) var balancerAlgorithm: BalancerAlgorithm
    var rrCursor = 0
    var hashRing: [(UInt64, Int)] = []
    var balancerRNG: SeededRandom
    var balancerRejections: Int64 = 0

    // The cache tier and what it saves the shards.
    public let cache: CacheTier
    var shardReads: [CounterSeries]
    var cacheHitRate = SecondSeries()
    var cacheHitsPerSecond = SecondSeries()
    var cacheMissesPerSecond = SecondSeries()
    var cacheEvictionsPerSecond = SecondSeries()
    var lastCacheTotals = CacheKeyspaceStats()
    /// Reads issued to a pipelining cache, answered together (`resolveCacheReads`).
    var heldCacheReads: [(request: Request, token: UInt32, reads: [CacheRead])] = []

    // The message log.
    var topics: [Topic] = []
    var groups: [ConsumerGroup] = []
    var consumerRNG: SeededRandom
    /// The message log on a server (Redis Streams), or nil for the embedded log.
    public let logBackend: LogBackend?
    /// The backend connection the streams were last brought up to date on.
    var logGeneration = 0
    var logBufferFullLogged = false
    /// Top-ups authorised and waiting for their wallet credit, by request id.
    var pendingTopups: [Int64: Request] = [:]
    /// Money credited to wallets by top-ups, counted once per top-up.
    var creditedMinorUnits: Int64 = 0

    // Per-second history for rates and sparklines.
    var workloadTPS: [SecondSeries] = [SecondSeries(), SecondSeries(), SecondSeries()]
    var workloadCommitted: [Int64] = [0, 0, 0]
    var workloadLatency: [LatencyWindow] = [LatencyWindow(), LatencyWindow(), LatencyWindow()]
    var shardCommitLatency: [LatencyWindow] = []
    var inDoubtByWorkload = [0, 0, 0]

    /// Builds the platform; `cache` defaults to the embedded LRU and `log`
    /// to the embedded message log.
    public init(config: SimulationConfig, cache: CacheTier? = nil, log: LogBackend? = nil) {
        precondition(config.shards >= 1 && config.shards <= 64, "shards must be 1...64")
        precondition(config.nodes >= 1, "at least one node")
        self.config = config
        var setupRNG = SeededRandom(seed: config.seed, stream: "ledger")
        ledger = Ledger(customers: config.customers, merchants: config.merchants, symbols: config.symbols,
                        shards: config.shards, rng: &setupRNG)
        shards = (0..<config.shards).map { Shard(index: $0) }
        coordinators = (0..<config.nodes).map { Coordinator(index: $0) }
        idempotency = IdempotencyStore(retention: config.idempotencyRetention)
        arrivalRNG = SeededRandom(seed: config.seed, stream: "arrivals")
        requestRNG = SeededRandom(seed: config.seed, stream: "requests")
        networkRNG = SeededRandom(seed: config.seed, stream: "network")
        diskRNG = SeededRandom(seed: config.seed, stream: "disk")
        gatewayRNG = SeededRandom(seed: config.seed, stream: "gateway")
        customerPopularity = Zipf(n: config.customers, exponent: 0.9)
        merchantPopularity = Zipf(n: config.merchants, exponent: 1.0)
        networkLatency = LogNormal(median: Double(config.networkLatencyMedian.microseconds), sigma: config.networkLatencySigma)
        fsyncLatency = LogNormal(median: Double(config.fsyncLatencyMedian.microseconds), sigma: config.fsyncLatencySigma)
        gatewayLatency = LogNormal(median: Double(config.gatewayLatencyMedian.microseconds), sigma: config.gatewayLatencySigma)
        symbolPrices = (0..<config.symbols).map { _ in Int64(1_000 + setupRNG.nextInt(below: 19_000)) }
        commitProtocol = config.commitProtocol
        baseRateTPS = config.baseRateTPS
        mix = config.mix
        balancerAlgorithm = config.balancer
        balancerRNG = SeededRandom(seed: config.seed, stream: "balancer")
        consumerRNG = SeededRandom(seed: config.seed, stream: "consumers")
        self.cache = cache ?? EmbeddedCache(capacity: config.cacheCapacity)
        logBackend = log
        shardReads = (0..<config.shards).map { _ in CounterSeries() }
        shardCommitLatency = (0..<config.shards).map { _ in LatencyWindow() }
        nodes = (0..<config.nodes).map { i in
            AppNode(index: i, weight: config.nodeWeights[i % config.nodeWeights.count],
                    capacity: config.nodeCapacities[i % config.nodeCapacities.count], queueLimit: config.nodeQueueLimit)
        }
        buildHashRing()
        setUpMessaging()
        for n in nodes.indices {
            // Staggered, as real checkers spread their probes.
            let offset = config.healthCheckInterval.microseconds * Int64(n + 1) / Int64(nodes.count)
            queue.schedule(at: offset, .healthCheck(node: Int32(n)))
        }
        for w in Workload.allCases { scheduleNextArrival(w) }
        queue.schedule(at: 1_000_000, .tick)
    }

    // MARK: Driving

    /// Processes every event up to and including `time`, then sets the clock to it.
    public func advance(to time: SimTime) {
        _ = advance(to: time, eventBudget: Int.max)
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
            nowMicros = entry.time
            eventsProcessed += 1
            budget -= 1
            handle(entry.payload)
        }
        if cache.pipelinesReads { cache.sync() }
        logBackend?.flush()
        if queue.nextTime.map({ $0 > limit }) ?? true {
            if limit > nowMicros { nowMicros = limit }
            return true
        }
        return false
    }

    /// Stops new arrivals: the run winds down while in-flight work finishes.
    public func closeArrivals() {
        arrivalsOpen = false
        for w in Workload.allCases { arrivalToken[w.rawValue] &+= 1 }
    }

    /// True when no request is in flight and no transaction is unsettled.
    public var isQuiescent: Bool { inFlightRequests == 0 && unsettled.isEmpty }

    /// Total events processed since the start: the engine's unit of work.
    public var processedEvents: Int64 { eventsProcessed }

    func schedule(after delay: Int64, _ event: SimEvent) {
        queue.schedule(at: nowMicros + max(0, delay), event)
    }

    /// Arms a timer whose delay is a configured constant: it rides the
    /// queue's FIFO lane for that delay instead of the heap.
    func scheduleTimer(after delay: SimDuration, _ event: SimEvent) {
        queue.schedule(after: max(0, delay.microseconds), from: nowMicros, event)
    }

    func handle(_ event: SimEvent) {
        switch event {
        case let .arrival(w, token): onArrival(w, token: token)
        case let .clientAttempt(r): attempt(r)
        case let .gatewayReply(r, result): onGatewayReply(r, result)
        case let .creditAttempt(r): attemptCredit(r)
        case let .toShard(t, p, m): shardReceive(t, part: Int(p), m)
        case let .toCoordinator(t, p, m): coordinatorReceive(t, part: Int(p), m)
        case let .walForced(s, epoch): onWALForced(shard: Int(s), epoch: epoch)
        case let .coordinatorLogForced(c, epoch): onCoordinatorLogForced(Int(c), epoch: epoch)
        case let .lockTimeout(t, p, token): onLockTimeout(t, part: Int(p), token: token)
        case let .participantTimeout(t, p, token): onParticipantTimeout(t, part: Int(p), token: token)
        case let .terminationDeadline(t, p, token): onTerminationDeadline(t, part: Int(p), token: token)
        case let .coordinatorTimeout(t, token): onCoordinatorTimeout(t, token: token)
        case let .restartShard(s, epoch): restartShard(Int(s), epoch: epoch)
        case let .restartCoordinator(c, epoch): restartCoordinator(Int(c), epoch: epoch)
        case let .spikeEnd(id): endSpike(id)
        case let .nodeWorkDone(r, token): onNodeWorkDone(r, token: token)
        case let .healthCheck(n): onHealthCheck(Int(n))
        case let .consumerDone(g, p, offset, epoch): onConsumerDone(Int(g), partition: Int(p), offset: offset, epoch: epoch)
        case .tick: onTick()
        }
    }

    /// Once a simulated second: roll every per-second series and window.
    func onTick() {
        scheduleTimer(after: .seconds(1), .tick)
        for w in Workload.allCases {
            let c = stats[w.rawValue].committed
            workloadTPS[w.rawValue].append(Double(c - workloadCommitted[w.rawValue]))
            workloadCommitted[w.rawValue] = c
            workloadLatency[w.rawValue].tick()
        }
        for n in nodes {
            n.requests.tick()
            n.errors.tick()
            n.latencyWindow.tick()
        }
        for i in shardReads.indices {
            shardReads[i].tick()
            shardCommitLatency[i].tick()
        }
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
        for g in groups {
            g.consumed.tick()
            g.lagHistory.append(Double(partitionLags(g).reduce(0, +)))
        }
    }

    // MARK: Network and disks

    /// Sends a protocol message to a shard; it is lost if either end is down
    /// or partitioned when it arrives.
    func sendToShard(_ txn: Txn, part: Int, _ m: ShardMessage) {
        commitStats.messages += 1
        schedule(after: Int64(networkLatency.sample(&networkRNG)), .toShard(txn, part: Int32(part), m))
    }

    func sendToCoordinator(_ txn: Txn, part: Int, _ m: CoordinatorMessage) {
        commitStats.messages += 1
        schedule(after: Int64(networkLatency.sample(&networkRNG)), .toCoordinator(txn, part: Int32(part), m))
    }

    func fsyncDelay() -> Int64 { Int64(fsyncLatency.sample(&diskRNG)) }

    func shardName(_ i: Int) -> String { "shard-\(i + 1)" }
}
