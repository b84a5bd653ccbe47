/// A node as observers see it.
public struct NodeRow: Sendable, Equatable {
    public var name: String
    public var state: NodeState
    public var weight: Int
    public var effectiveWeight: Double
    public var inFlight: Int
    public var queued: Int
    public var capacity: Int
    public var slowFactor: Double
    public var requests: Int64
    public var errors: Int64
    /// Requests per second over the last 5 s.
    public var rps: Double
    /// Errors as a share of requests over the last 5 s.
    public var errorRate: Double
    public var p99Milliseconds: Double?
    /// Newest last.
    public var checks: [Bool]
}

/// The cache as observers see it.
public struct CacheRow: Sendable, Equatable {
    public var backend: String
    public var available: Bool
    public var stats: CacheStats
    public var hitRate: Double
    public var hitRateHistory: [Double]
    public var hitsPerSecond: Double
    public var missesPerSecond: Double
    public var evictionsPerSecond: Double
    public var shardReadsPerSecond: [Double]
    /// A server backend's own counters since the run began (INFO), in display order.
    public var serverCounters: [ServerCounter]
}

public struct ServerCounter: Sendable, Equatable {
    public var name: String
    public var value: Int64
}

/// The message log's backend as observers see it.
public struct LogRow: Sendable, Equatable {
    /// `embedded`, or a Redis URL without its password.
    public var backend: String
    public var available: Bool
    /// Messages produced while the server was unreachable, not yet sent.
    public var unsent: Int
    /// Messages dropped: retention exceeded, or the local buffer full.
    public var dropped: Int64
}

extension Simulation {
    func nodeRows() -> [NodeRow] {
        nodes.map { n in
            let rps = n.requests.rate(), err = n.errors.rate()
            return NodeRow(name: n.name, state: n.state(now: nowMicros, slowStart: config.slowStart.microseconds), weight: n.weight,
                           effectiveWeight: n.effectiveWeight(now: nowMicros, slowStart: config.slowStart.microseconds),
                           inFlight: n.working.count, queued: n.queue.count, capacity: n.capacity, slowFactor: n.slowFactor,
                           requests: n.requests.total, errors: n.errors.total, rps: rps, errorRate: rps > 0 ? min(1, err / rps) : 0,
                           p99Milliseconds: n.latencyWindow.milliseconds(percentile: 99), checks: Array(n.checkHistory))
        }
    }

    func cacheRow() -> CacheRow {
        let stats = cache.stats
        return CacheRow(backend: cache.backendName, available: cache.isAvailable, stats: stats,
                        hitRate: cacheHitRate.mean(last: 5), hitRateHistory: cacheHitRate.values,
                        hitsPerSecond: cacheHitsPerSecond.mean(last: 5), missesPerSecond: cacheMissesPerSecond.mean(last: 5),
                        evictionsPerSecond: cacheEvictionsPerSecond.mean(last: 5), shardReadsPerSecond: shardReads.map { $0.rate() },
                        serverCounters: cache.serverCounters.map { ServerCounter(name: $0.name, value: $0.value) })
    }

    func logRow() -> LogRow {
        LogRow(backend: logBackend?.backendName ?? "embedded", available: logBackend?.isAvailable ?? true,
               unsent: unsentMessages, dropped: topics.reduce(0) { $0 + $1.dropped })
    }
}
