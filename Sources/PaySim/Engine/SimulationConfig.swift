/// Everything that shapes a run. Two runs with equal configurations and the
/// same command log produce identical reports.
public struct SimulationConfig: Sendable, Equatable {
    public var seed: UInt64 = 42
    /// Requests per second across all workloads before spikes.
    public var baseRateTPS: Double = 1_000
    public var mix: WorkloadMix = .default
    public var customers: Int = 100_000
    public var merchants: Int = 5_000
    public var symbols: Int = 8
    public var shards: Int = 4
    /// App nodes; each one also hosts a commit coordinator.
    public var nodes: Int = 6
    public var commitProtocol: CommitProtocol = .twoPhase

    /// One-way network latency between nodes and shards.
    public var networkLatencyMedian: SimDuration = .microseconds(250)
    public var networkLatencySigma: Double = 0.35
    /// Time for one fsync of a shard's or coordinator's log (group commit).
    public var fsyncLatencyMedian: SimDuration = .microseconds(600)
    public var fsyncLatencySigma: Double = 0.5

    public var lockWaitTimeout: SimDuration = .milliseconds(250)
    /// A coordinator waiting longer than this for votes aborts.
    public var voteTimeout: SimDuration = .seconds(1)
    /// A prepared participant waiting longer than this is in doubt.
    public var decisionTimeout: SimDuration = .milliseconds(500)
    /// How often an in-doubt participant asks again, and a coordinator resends its decision.
    public var retryInterval: SimDuration = .seconds(1)
    /// How long a 3PC participant running the termination protocol waits for its peers.
    public var terminationWindow: SimDuration = .milliseconds(300)
    /// How long a crashed shard or coordinator takes to restart by itself.
    public var restartDelay: SimDuration = .seconds(15)

    /// Card gateway authorisation latency (long tail) and decline rate.
    public var gatewayLatencyMedian: SimDuration = .milliseconds(120)
    public var gatewayLatencySigma: Double = 0.6
    public var gatewayDeclineRate: Double = 0.02
    /// How long a client waits for a gateway that is down before failing.
    public var gatewayTimeout: SimDuration = .seconds(2)

    /// Attempts a client makes for one payment or trade before giving up.
    public var clientMaxAttempts: Int = 3
    public var clientBackoff: SimDuration = .milliseconds(100)
    /// Upper bound on requests in flight; arrivals beyond it fail at once.
    public var maxInFlight: Int = 200_000
    /// How long committed idempotency keys are remembered.
    public var idempotencyRetention: SimDuration = .minutes(10)

    // Nodes and the balancer.
    public var balancer: BalancerAlgorithm = .powerOfTwoChoices
    /// Weights and worker slots by node, repeated cyclically for more nodes.
    public var nodeWeights: [Int] = [2, 1, 1, 1, 1, 2]
    public var nodeCapacities: [Int] = [64, 32, 32, 32, 32, 64]
    public var nodeQueueLimit: Int = 128
    /// CPU time a request spends on its node, before downstream waits.
    public var nodeCPUMedian: SimDuration = .microseconds(800)
    public var healthCheckInterval: SimDuration = .seconds(2)
    public var healthCheckRise: Int = 2
    public var healthCheckFall: Int = 3
    public var slowStart: SimDuration = .seconds(30)
    /// Consecutive errors after which a node is ejected, and for how long.
    public var outlierConsecutiveErrors: Int = 5
    public var outlierEjection: SimDuration = .seconds(30)

    // Cache.
    public var cacheCapacity: Int = 50_000
    /// Messages held locally while a server message log is unreachable;
    /// beyond it notifications are dropped and new top-ups refused.
    public var logBufferLimit: Int = 100_000
    public var accountTTL: SimDuration = .seconds(30)
    public var merchantTTL: SimDuration = .minutes(5)
    public var quoteTTL: SimDuration = .seconds(1)
    /// Cost of the shard read behind a cache miss (plus a network round trip).
    public var shardReadTime: SimDuration = .microseconds(150)

    public init() {}
}
