/// The last `capacity` one-second samples of a figure, oldest first: the
/// 60-second history behind every sparkline. A fixed ring, so keeping
/// history costs the same at minute one and at hour ten.
public struct SecondSeries: Sendable, Equatable {
    private var ring: [Double]
    private var start = 0
    public private(set) var count = 0

    public init(capacity: Int = 60) {
        precondition(capacity > 0)
        ring = [Double](repeating: 0, count: capacity)
    }

    public var capacity: Int { ring.count }

    public mutating func append(_ v: Double) {
        if count < ring.count {
            ring[(start + count) % ring.count] = v
            count += 1
        } else {
            ring[start] = v
            start = (start + 1) % ring.count
        }
    }

    /// The samples, oldest first.
    public var values: [Double] { (0..<count).map { ring[(start + $0) % ring.count] } }
    /// The newest `n` samples (fewer if fewer exist), oldest first.
    public func tail(_ n: Int) -> [Double] {
        let k = min(max(0, n), count)
        return (count - k..<count).map { ring[(start + $0) % ring.count] }
    }
    public var last: Double? { count == 0 ? nil : ring[(start + count - 1) % ring.count] }

    /// The series as it stood `k` samples ago: the newest `k` left out.
    public func droppingNewest(_ k: Int) -> SecondSeries {
        var copy = self
        copy.count = max(0, count - max(0, k))
        return copy
    }

    /// The mean of the newest `n` samples (fewer if fewer exist), or 0.
    public func mean(last n: Int) -> Double {
        let k = min(n, count)
        guard k > 0 else { return 0 }
        var s = 0.0
        for i in (count - k)..<count { s += ring[(start + i) % ring.count] }
        return s / Double(k)
    }
}

/// A cumulative counter sampled once a second into a per-second series.
public struct CounterSeries: Sendable, Equatable, Codable {
    public private(set) var total: Int64 = 0
    private var atLastTick: Int64 = 0
    public private(set) var perSecond = SecondSeries()
    public init() {}
    public mutating func add(_ n: Int64 = 1) { total += n }
    mutating func tick() {
        perSecond.append(Double(total - atLastTick))
        atLastTick = total
    }
    /// The average per second over the newest `n` whole seconds.
    public func rate(last n: Int = 5) -> Double { perSecond.mean(last: n) }
}

extension CounterSeries {
    /// Keeps only the newest `n` seconds of the per-second series (rates over
    /// up to `n` seconds read the same; the total stays).
    mutating func keepOnly(_ n: Int) { perSecond = SecondSeries(tail: perSecond, n) }
}
