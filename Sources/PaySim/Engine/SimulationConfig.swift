/// Everything that shapes a run. Two runs with equal configurations and the
/// same command log produce identical reports.
///
/// Every tunable model parameter lives here. Durations carry their unit in
/// their type (`SimDuration`); plain numbers carry it in their name
/// (`…PerSecond`, `…Percent`, `…Fraction`, `…Records`). The defaults are
/// chosen like a production platform's: the default 1,000 tps runs at modest
/// utilisation, and the shards' capacity puts the knee several times higher.
public struct SimulationConfig: Sendable, Equatable {
    public var seed: UInt64 = 42
    /// Requests per second across all workloads before spikes.
    public var baseRateTPS: Double = 1_000
    public var mix: WorkloadMix = .default
    public var customers: Int = 100_000
    public var merchants: Int = 5_000
    /// Zipf exponents of customer and merchant popularity. Merchants are
    /// skewed (a few big ones take much of the traffic, and their rate limit
    /// protects them); customers less so, as real populations are: with
    /// 0.7 over 100,000 customers the busiest makes about 1% of requests.
    public var customerZipfExponent: Double = 0.7
    public var merchantZipfExponent: Double = 1.0
    public var symbols: Int = 8
    public var shards: Int = 4
    /// App nodes; each one also hosts a commit coordinator.
    public var nodes: Int = 6
    public var commitProtocol: CommitProtocol = .twoPhase

    // MARK: Network and disks

    /// One-way network latency between nodes and shards.
    public var networkLatencyMedian: SimDuration = .microseconds(250)
    public var networkLatencySigma: Double = 0.35
    /// Time for one fsync of a shard's or coordinator's log before the data
    /// it carries (group commit: one fsync per batch of records).
    public var fsyncLatencyMedian: SimDuration = .microseconds(600)
    public var fsyncLatencySigma: Double = 0.5
    /// What each record adds to its fsync: the log device's throughput
    /// (20 µs a record is 50,000 records per second).
    public var fsyncPerRecord: SimDuration = .microseconds(20)
    /// Records one fsync carries at most; the rest wait for the next.
    public var fsyncMaxBatchRecords: Int = 1_024

    // MARK: Shard servers

    /// CPU cores per shard server. Reads, prepares and applies queue for them.
    public var shardCores: Int = 2
    /// CPU time of a balance read (wallet, broker, quote) behind a cache miss.
    public var shardBalanceReadCPUMedian: SimDuration = .microseconds(150)
    /// CPU time of a profile read (customer or merchant: a join over several rows).
    public var shardProfileReadCPUMedian: SimDuration = .microseconds(1_500)
    /// CPU time to lock, validate and write the prepare record of one participant.
    public var shardPrepareCPUMedian: SimDuration = .microseconds(150)
    /// CPU time to apply a decision on one participant.
    public var shardApplyCPUMedian: SimDuration = .microseconds(80)
    /// CPU time of a small protocol message (pre-commit, state request or reply).
    public var shardMessageCPUMedian: SimDuration = .microseconds(20)
    public var shardCPUSigma: Double = 0.3
    /// A shard refuses new reads and prepares (the transaction aborts and may
    /// be retried) while its CPU queue is longer than this; decisions are
    /// always taken.
    public var shardQueueLimit: SimDuration = .milliseconds(200)
    /// A read from a node to a shard that is down or cut off fails after this.
    public var shardReadTimeout: SimDuration = .milliseconds(100)

    // MARK: Commit protocol

    public var lockWaitTimeout: SimDuration = .milliseconds(250)
    /// A coordinator waiting longer than this for votes aborts.
    public var voteTimeout: SimDuration = .seconds(1)
    /// A prepared participant waiting longer than this is in doubt.
    public var decisionTimeout: SimDuration = .milliseconds(500)
    /// How often an in-doubt participant asks again, and a coordinator resends its decision.
    public var retryInterval: SimDuration = .seconds(1)
    /// How long a 3PC participant running the termination protocol waits for its peers.
    public var terminationWindow: SimDuration = .milliseconds(300)
    /// A participant that never received its prepare (it was lost) aborts
    /// after this: it never voted, so the coordinator cannot have committed.
    public var idleParticipantTimeout: SimDuration = .seconds(3)
    /// How long a partition takes to come down: during it, messages across
    /// it are lost with a probability rising from 0 to 1 (zero: a clean cut).
    public var partitionOnset: SimDuration = .milliseconds(500)
    /// How long a crashed shard or coordinator takes to restart by itself.
    public var restartDelay: SimDuration = .seconds(15)

    // MARK: Card gateway

    /// Card gateway authorisation latency (long tail) and decline share.
    public var gatewayLatencyMedian: SimDuration = .milliseconds(120)
    public var gatewayLatencySigma: Double = 0.6
    public var gatewayDeclineFraction: Double = 0.02
    /// One-way trip between the platform and the gateway (part of the latency above).
    public var gatewayNetworkHop: SimDuration = .milliseconds(5)
    /// A call without an answer after this has an unknown outcome: it is
    /// reversed (voided) at the gateway and the top-up fails.
    public var gatewayCallTimeout: SimDuration = .seconds(2)
    /// Outbound connections to the gateway per node: the bulkhead. A call
    /// that finds them all busy fails at once instead of queueing.
    public var gatewayConnectionsPerNode: Int = 64
    public var bulkheadEnabled = true
    /// How often an unacknowledged reversal is sent again.
    public var reversalRetryInterval: SimDuration = .seconds(1)

    /// The per-node circuit breaker on gateway calls (resilience4j's shape:
    /// a count-based window, a minimum number of calls, a failure-rate and a
    /// slow-call-rate threshold, a wait in open, trial calls in half-open).
    public var breakerEnabled = true
    public var breakerWindowCalls: Int = 20
    public var breakerMinimumCalls: Int = 10
    public var breakerFailureRatePercent: Double = 50
    public var breakerSlowCallDuration: SimDuration = .seconds(1)
    public var breakerSlowCallRatePercent: Double = 80
    public var breakerOpenDuration: SimDuration = .seconds(5)
    public var breakerHalfOpenCalls: Int = 3

    /// Capture answers take this long at the gateway (after authorisation).
    public var gatewayCaptureLatencyMedian: SimDuration = .milliseconds(40)

    // MARK: The life of money

    /// A merchant captures an authorised payment after a delay drawn from a
    /// log-normal with this median; one that falls past the capture window
    /// is never captured, and the hold expires.
    public var captureDelayMedian: SimDuration = .seconds(20)
    public var captureDelaySigma: Double = 1.0
    /// Holds not captured within this are voided and the money released.
    public var captureWindow: SimDuration = .minutes(2)
    /// Share of captures that take less than the hold (the rest is released).
    public var partialCaptureFraction: Double = 0.10
    /// Share of captured payments refunded later (full or partial), and
    /// how much later (median of a log-normal).
    public var refundFraction: Double = 0.02
    public var refundDelayMedian: SimDuration = .seconds(90)
    /// Share of captured payments charged back by the cardholder, how much
    /// later, and the dispute fee the merchant pays on top.
    public var chargebackFraction: Double = 0.003
    public var chargebackDelayMedian: SimDuration = .minutes(3)
    public var disputeFeeMinorUnits: Int64 = 1_500
    /// Trades settle delivery versus payment this long after execution.
    public var settlementLag: SimDuration = .minutes(2)
    /// Share of settlement attempts the counterparty fails (short of
    /// securities or cash); a failed one is retried after the interval,
    /// at most the given number of attempts, then the trade is unwound.
    public var settlementFailFraction: Double = 0.01
    public var settlementRetryInterval: SimDuration = .seconds(30)
    public var settlementMaxAttempts: Int = 3
    /// Merchants are paid out what they are owed above their reserve (their
    /// opening balance) in batches on this schedule, this many merchants to
    /// one multi-shard payout transaction.
    public var payoutInterval: SimDuration = .minutes(5)
    public var payoutChunkMerchants: Int = 64
    /// A record not matched this long after it was due counts towards the
    /// reconciliation lag.
    public var reconciliationGrace: SimDuration = .seconds(30)

    // MARK: Clients

    /// A client gives up on a request this long after it arrived: no retry
    /// starts after it, and a node drops queued work whose deadline passed.
    /// Work already in a commit finishes and reports its real outcome.
    public var requestDeadline: SimDuration = .seconds(5)
    /// Attempts a client makes for one request before giving up.
    public var clientMaxAttempts: Int = 3
    /// Exponential backoff with full jitter: attempt n waits a uniform
    /// random time in [0, min(cap, base × 2^(n-1))].
    public var retryBackoffBase: SimDuration = .milliseconds(50)
    public var retryBackoffCap: SimDuration = .seconds(1)
    /// The retry budget (Finagle's and Envoy's): over a sliding window,
    /// retries may be at most this share of requests, plus a small floor.
    public var retryBudgetEnabled = true
    public var retryBudgetPercent: Double = 20
    public var retryBudgetMinPerSecond: Double = 10
    public var retryBudgetWindow: SimDuration = .seconds(10)
    /// Upper bound on requests in flight; arrivals beyond it are shed.
    public var maxInFlight: Int = 200_000
    /// How long committed idempotency keys are remembered.
    public var idempotencyRetention: SimDuration = .minutes(10)

    // MARK: Edge

    /// Per-merchant token bucket at the edge: requests per second and burst.
    public var rateLimitEnabled = true
    public var merchantRateLimitPerSecond: Double = 100
    public var merchantRateLimitBurst: Double = 200

    // MARK: Nodes and the balancer

    public var balancer: BalancerAlgorithm = .powerOfTwoChoices
    /// Weights, worker slots and CPU cores by node, repeated cyclically for more nodes.
    public var nodeWeights: [Int] = [2, 1, 1, 1, 1, 2]
    public var nodeCapacities: [Int] = [64, 32, 32, 32, 32, 64]
    public var nodeCores: [Int] = [4, 2, 2, 2, 2, 4]
    public var nodeQueueLimit: Int = 128
    /// CPU time a request spends on its node, before downstream waits.
    public var nodeCPUMedian: SimDuration = .microseconds(800)
    /// CPU time a node spends refusing a request (a 503 from a full queue):
    /// parsing, authenticating and answering it.
    public var nodeRejectCPU: SimDuration = .microseconds(150)
    public var healthCheckInterval: SimDuration = .seconds(2)
    public var healthCheckRise: Int = 2
    public var healthCheckFall: Int = 3
    public var slowStart: SimDuration = .seconds(30)
    /// Passive outlier detection: consecutive failures a node is to blame for
    /// (refused connections, its coordinator down) eject it for a while.
    /// Overload 503s and downstream aborts do not count.
    public var ejectionEnabled = true
    public var outlierConsecutiveErrors: Int = 5
    public var outlierEjection: SimDuration = .seconds(30)
    /// At most this share of nodes ejected at once (Envoy's max_ejection_percent).
    public var outlierMaxEjectionPercent: Double = 34

    // MARK: Cache

    public var cacheCapacity: Int = 50_000
    /// Start with the cache as a running platform has it (the most popular
    /// entries), not empty: a cold cache at start is a flush nobody asked for.
    public var cacheWarmStart = true
    public var accountTTL: SimDuration = .seconds(30)
    public var profileTTL: SimDuration = .minutes(5)
    public var merchantTTL: SimDuration = .minutes(5)
    public var quoteTTL: SimDuration = .seconds(1)

    // MARK: Message log

    /// Messages a partition keeps for its slowest group. Past it, money
    /// topics push back (new top-ups are refused before the card is
    /// charged) and notification topics drop their oldest, counted.
    public var logPartitionCapacityMessages: Int = 200_000
    /// Messages held locally while a server message log is unreachable;
    /// beyond it notifications are dropped and new top-ups refused.
    public var logBufferLimit: Int = 100_000

    // MARK: Checking

    /// Record what every client was told and which transactions applied, so
    /// the fuzzer can check one against the other. Grows with the run: off
    /// for everything but checking.
    public var trackOutcomes = false

    public init() {}
}
