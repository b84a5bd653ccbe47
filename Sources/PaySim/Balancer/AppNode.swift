import DequeModule

/// What the operator and the balancer see of a node, HAProxy's meanings.
public enum NodeState: String, Sendable, Codable, CustomStringConvertible {
    /// Healthy and taking work.
    case up
    /// Taking no new work; in-flight work finishes.
    case draining
    /// Draining and with nothing left in flight.
    case drained
    /// Marked down by health checks.
    case down
    /// Taken out by passive outlier detection for a while; checks still pass.
    case ejected
    /// Back up and in slow start: its weight ramps up.
    case recovering
    public var description: String { rawValue }
}

/// An app node: CPU cores, worker slots, a bounded accept queue, the
/// coordinator it hosts, and its client to the card gateway (a bulkhead of
/// connections and a circuit breaker). Its process can fail without the
/// balancer knowing yet — only health checks and errors tell the balancer.
final class AppNode {
    let index: Int
    var name: String { "node-\(index + 1)" }
    var weight: Int
    let capacity: Int
    let queueLimit: Int
    /// CPU cores: request work and refusals queue for them.
    var cpu: Processor
    var breaker: CircuitBreaker
    var bulkhead: Bulkhead
    /// Card-gateway calls in flight from this node, by request id.
    var gatewayCalls = Int64Map<Request>()

    /// The process: false after `fail` until `recover`.
    var alive = true
    /// Bumped when the process dies, so work started before is recognised.
    var epoch: UInt32 = 0
    /// The balancer's view from active health checks.
    var healthy = true
    var draining = false
    var drainedLogged = false
    var ejectedUntil: Int64 = Int64.min
    var slowStartFrom: Int64 = Int64.min / 4
    var slowFactor = 1.0

    var consecutiveCheckPasses = 0
    var consecutiveCheckFails = 0
    /// Newest last; bounded.
    var checkHistory: Deque<Bool> = []
    var consecutiveErrors = 0

    /// Requests holding a worker slot, by request id.
    var working = Int64Map<Request>()
    var queue: Deque<Request> = []

    /// Requests it received: attempts the balancer sent it (served or
    /// refused) and credit transactions its coordinator ran for consumers.
    var requests = CounterSeries()
    /// Failures it is to blame for: refused connections, its coordinator down.
    var errors = CounterSeries()
    /// Attempts it refused because its slots and queue were full (503).
    var refusals = CounterSeries()
    var latencyWindow = LatencyWindow()

    init(index: Int, weight: Int, capacity: Int, cores: Int, queueLimit: Int, config: SimulationConfig) {
        self.index = index
        self.weight = weight
        self.capacity = capacity
        self.queueLimit = queueLimit
        cpu = Processor(servers: cores)
        breaker = CircuitBreaker(config)
        bulkhead = Bulkhead(limit: config.bulkheadEnabled ? config.gatewayConnectionsPerNode : nil)
    }

    /// Requests it holds: in a worker slot, queued, or waiting on the card gateway.
    var inFlight: Int { working.count + queue.count + gatewayCalls.count }

    func state(now: Int64, slowStart: Int64) -> NodeState {
        if !healthy { return .down }
        if now < ejectedUntil { return .ejected }
        if draining { return inFlight == 0 ? .drained : .draining }
        if now < slowStartFrom + slowStart { return .recovering }
        return .up
    }

    /// May the balancer send it new work?
    func eligible(now: Int64) -> Bool {
        healthy && !draining && now >= ejectedUntil && weight > 0
    }

    /// The weight after slow start: ramps linearly from 10% to 100%.
    func effectiveWeight(now: Int64, slowStart: Int64) -> Double {
        let elapsed = now - slowStartFrom
        guard slowStart > 0, elapsed >= 0, elapsed < slowStart else { return Double(weight) }
        return Double(weight) * max(0.1, Double(elapsed) / Double(slowStart))
    }
}

/// Latency over a sliding window of whole seconds: one small histogram per
/// second in a ring, merged when read.
public struct LatencyWindow: Sendable {
    static let seconds = 10
    /// An empty second. A new second starts as a copy of it, which shares its
    /// storage until the first sample: cheaper than zeroing the counts in place.
    private static let emptySecond = SecondHistogram()
    private var ring: [SecondHistogram]
    private var current = 0
    /// The window's closed seconds added together, made on the first query
    /// and then kept: a tick adds the second it closes and takes out the
    /// one that leaves. A sample is counted once, in its own second, and a
    /// query reads the closed seconds and that one together. A window
    /// nobody asks about (a headless run's) never merges.
    private var closed: SecondHistogram?

    public init() {
        ring = Array(repeating: LatencyWindow.emptySecond, count: LatencyWindow.seconds)
    }

    mutating func record(microseconds: Int64) {
        _ = ring[current].record(UInt64(max(1, min(microseconds, 60_000_000))))
    }

    mutating func tick() {
        if closed != nil { closed!.add(ring[current]) }
        current = (current + 1) % ring.count
        if closed != nil {
            closed!.subtract(ring[current])
            // The extremes of what is left: each second keeps its own.
            closed!.setExtremes(maxValue: ring.indices.reduce(0) { $1 == current ? $0 : max($0, ring[$1].maxValue) },
                                minNonZeroValue: ring.indices.reduce(.max) { $1 == current ? $0 : min($0, ring[$1].minNonZeroValue) })
        }
        ring[current] = LatencyWindow.emptySecond
    }

    /// The percentile over the window in milliseconds, or nil with no samples.
    public mutating func milliseconds(percentile: Double) -> Double? {
        milliseconds(percentiles: [percentile])[0]
    }

    /// The percentile of the second being filled (before `tick` closes it), or nil with no samples.
    public func currentSecondMilliseconds(percentile: Double) -> Double? {
        let h = ring[current]
        return h.totalCount == 0 ? nil : Double(h.valueAtPercentile(percentile)) / 1_000
    }

    /// Several percentiles over the window from one merge of its seconds.
    public mutating func milliseconds(percentiles: [Double]) -> [Double?] {
        if closed == nil {
            var all = LatencyWindow.emptySecond
            for i in ring.indices where i != current { all.add(ring[i]) }
            closed = all
        }
        let past = closed!, now = ring[current]
        guard past.totalCount + now.totalCount > 0 else { return percentiles.map { _ in nil } }
        return percentiles.map { Double(SecondHistogram.valueAtPercentile($0, of: past, plus: now)) / 1_000 }
    }
}
