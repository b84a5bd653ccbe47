/// A node as observers see it.
public struct NodeRow: Sendable, Equatable, Codable {
    public var name: String
    public var state: NodeState
    public var weight: Int
    public var effectiveWeight: Double
    public var inFlight: Int
    public var queued: Int
    public var capacity: Int
    public var slowFactor: Double
    /// Requests it received: attempts the balancer sent it (served or
    /// refused) plus credit transactions its coordinator ran for consumers.
    public var requests: Int64
    /// Failures it is to blame for (refused connections, its coordinator down).
    public var errors: Int64
    /// Attempts it refused with a 503 because its slots and queue were full.
    public var refused: Int64
    /// Requests per second over the last 10 s (see `requests`).
    public var rps: Double
    /// Errors as a share of requests over the last 10 s.
    public var errorRate: Double
    /// Refusals per second over the last 10 s.
    public var refusedPerSecond: Double
    /// Time requests spent on the node (slot and queue) over the last 10 s.
    public var p99Milliseconds: Double?
    /// Busy share of its CPU cores over the last 10 s.
    public var cpuUtilisation: Double
    /// Its circuit breaker to the card gateway, and the calls and connections in use.
    public var breaker: BreakerState
    public var breakerOpens: Int64
    public var gatewayCalls: Int
    public var gatewayConnections: Int?
    /// Newest last.
    public var checks: [Bool]
}

/// The cache as observers see it.
public struct CacheRow: Sendable, Equatable, Codable {
    public var backend: String
    public var available: Bool
    public var stats: CacheStats
    public var hitRate: Double
    public var hitRateHistory: [Double]
    public var hitsPerSecond: Double
    public var missesPerSecond: Double
    public var evictionsPerSecond: Double
    /// Reads the shards served for misses, per shard, per second over the last 10 s.
    public var shardReadsPerSecond: [Double]
    /// A server backend's own counters since the run began (INFO), in display order.
    public var serverCounters: [ServerCounter]
}

public struct ServerCounter: Sendable, Equatable, Codable {
    public var name: String
    public var value: Int64
}

/// The message log's backend as observers see it.
public struct LogRow: Sendable, Equatable, Codable {
    /// `embedded`, or a Redis URL without its password.
    public var backend: String
    public var available: Bool
    /// Messages produced while the server was unreachable, not yet sent.
    public var unsent: Int
    /// Messages dropped: retention exceeded, or the local buffer full.
    public var dropped: Int64
    /// Of those, messages that move money: never allowed, so always 0.
    public var moneyDropped: Int64
}

extension Simulation {
    /// Rates and shares on screen are over this many seconds.
    static let window = 10

    /// A node's state now, as the screen, the metrics and the series show it.
    func state(of n: AppNode) -> NodeState { n.state(now: nowMicros, slowStart: config.slowStart.microseconds) }

    /// Transactions with a participant on shard `s` counted in doubt.
    func inDoubt(on s: Shard) -> Int {
        s.active.values.reduce(0) { n, t in n + t.parts.reduce(0) { $0 + ($1.shard == s.index && $1.countedInDoubt ? 1 : 0) } }
    }

    func nodeRows() -> [NodeRow] {
        nodes.map { n in
            let rps = n.requests.rate(last: Simulation.window), err = n.errors.rate(last: Simulation.window)
            return NodeRow(name: n.name, state: state(of: n), weight: n.weight,
                           effectiveWeight: n.effectiveWeight(now: nowMicros, slowStart: config.slowStart.microseconds),
                           inFlight: n.working.count, queued: n.queue.count, capacity: n.capacity, slowFactor: n.slowFactor,
                           requests: n.requests.total, errors: n.errors.total, refused: n.refusals.total,
                           rps: rps, errorRate: rps > 0 ? min(1, err / rps) : 0, refusedPerSecond: n.refusals.rate(last: Simulation.window),
                           p99Milliseconds: n.latencyWindow.milliseconds(percentile: 99),
                           cpuUtilisation: n.cpu.utilisation.mean(last: Simulation.window),
                           breaker: resilience.breakers ? n.breaker.state : .closed, breakerOpens: n.breaker.opens,
                           gatewayCalls: n.gatewayCalls.count, gatewayConnections: n.bulkhead.limit,
                           checks: Array(n.checkHistory))
        }
    }

    func cacheRow() -> CacheRow {
        let stats = cache.stats
        return CacheRow(backend: cache.backendName, available: cache.isAvailable, stats: stats,
                        hitRate: cacheHitRate.mean(last: 5), hitRateHistory: cacheHitRate.values,
                        hitsPerSecond: cacheHitsPerSecond.mean(last: 5), missesPerSecond: cacheMissesPerSecond.mean(last: 5),
                        evictionsPerSecond: cacheEvictionsPerSecond.mean(last: 5), shardReadsPerSecond: shards.map { $0.reads.rate(last: Simulation.window) },
                        serverCounters: cache.serverCounters.map { ServerCounter(name: $0.name, value: $0.value) })
    }

    func logRow() -> LogRow {
        LogRow(backend: logBackend?.backendName ?? "embedded", available: logBackend?.isAvailable ?? true,
               unsent: unsentMessages, dropped: topics.reduce(0) { $0 + $1.dropped },
               moneyDropped: topics.reduce(0) { $0 + ($1.carriesMoney ? $1.dropped : 0) })
    }
}
