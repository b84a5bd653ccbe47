#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Exponential inter-arrival and service times: `rate` events per second.
public struct Exponential: Sendable {
    public let rate: Double
    public init(rate: Double) {
        precondition(rate > 0, "an exponential needs a positive rate")
        self.rate = rate
    }
    public var mean: Double { 1 / rate }
    @inlinable public func sample(_ rng: inout SeededRandom) -> Double {
        -log(rng.nextOpenDouble()) / rate
    }
}

/// A lognormal given by its median and the standard deviation of its log;
/// the long right tail of gateway, disk and network latencies.
public struct LogNormal: Sendable {
    public let mu: Double
    public let sigma: Double
    public init(median: Double, sigma: Double) {
        precondition(median > 0 && sigma >= 0)
        mu = log(median)
        self.sigma = sigma
    }
    public var mean: Double { exp(mu + sigma * sigma / 2) }
    @inlinable public func sample(_ rng: inout SeededRandom) -> Double {
        exp(mu + sigma * StandardNormal.sample(&rng))
    }
}

/// Standard normal variates by the Box–Muller transform. Each transform
/// gives two independent variates; the second is kept in the stream and
/// returned by the next call, so a stream stays reproducible on its own.
public enum StandardNormal {
    @inlinable public static func sample(_ rng: inout SeededRandom) -> Double {
        if !rng.spareNormal.isNaN {
            let v = rng.spareNormal
            rng.spareNormal = .nan
            return v
        }
        let u1 = rng.nextOpenDouble(), u2 = rng.nextDouble()
        let r = (-2 * log(u1)).squareRoot(), theta = 2 * Double.pi * u2
        rng.spareNormal = r * sin(theta)
        return r * cos(theta)
    }
}

/// Uniform on [lower, upper).
public struct UniformReal: Sendable {
    public let lower: Double, upper: Double
    public init(_ lower: Double, _ upper: Double) {
        precondition(upper >= lower)
        self.lower = lower; self.upper = upper
    }
    public var mean: Double { (lower + upper) / 2 }
    @inlinable public func sample(_ rng: inout SeededRandom) -> Double {
        lower + (upper - lower) * rng.nextDouble()
    }
}

/// Zipf over ranks 1...n with exponent s, by rejection-inversion
/// (Hörmann and Derflinger 1996): O(1) per sample with no table, so a
/// million-customer population costs nothing to set up.
public struct Zipf: Sendable {
    public let n: Int
    public let exponent: Double
    let hIntegralX1: Double
    let hIntegralN: Double
    let sDiv: Double

    public init(n: Int, exponent: Double) {
        precondition(n >= 1 && exponent > 0)
        self.n = n
        self.exponent = exponent
        hIntegralX1 = Zipf.hIntegral(1.5, exponent) - 1
        hIntegralN = Zipf.hIntegral(Double(n) + 0.5, exponent)
        sDiv = 2 - Zipf.hIntegralInverse(Zipf.hIntegral(2.5, exponent) - Zipf.h(2, exponent), exponent)
    }

    /// A rank in 1...n; rank 1 is the most popular.
    public func sample(_ rng: inout SeededRandom) -> Int {
        while true {
            let u = hIntegralN + rng.nextDouble() * (hIntegralX1 - hIntegralN)
            let x = Zipf.hIntegralInverse(u, exponent)
            var k = Int(x + 0.5)
            if k < 1 { k = 1 } else if k > n { k = n }
            if Double(k) - x <= sDiv || u >= Zipf.hIntegral(Double(k) + 0.5, exponent) - Zipf.h(Double(k), exponent) {
                return k
            }
        }
    }

    /// The exact mean rank, sum k^(1-s) / sum k^(-s); O(n), for tests.
    public var mean: Double {
        var num = 0.0, den = 0.0
        for k in 1...n {
            let p = pow(Double(k), -exponent)
            num += Double(k) * p
            den += p
        }
        return num / den
    }

    static func h(_ x: Double, _ s: Double) -> Double { exp(-s * log(x)) }
    static func hIntegral(_ x: Double, _ s: Double) -> Double {
        let logX = log(x)
        return helper2((1 - s) * logX) * logX
    }
    static func hIntegralInverse(_ x: Double, _ s: Double) -> Double {
        var t = x * (1 - s)
        if t < -1 { t = -1 }
        return exp(helper1(t) * x)
    }
    /// log1p(x)/x, accurate near zero.
    static func helper1(_ x: Double) -> Double {
        abs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
    }
    /// expm1(x)/x, accurate near zero.
    static func helper2(_ x: Double) -> Double {
        abs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x * (1.0 / 3.0) * (1 + 0.25 * x))
    }
}

/// A lognormal sampled by table lookup: the inverse CDF at 4,096 evenly
/// spaced quantiles, interpolated linearly, so a draw is one random number
/// and no transcendental function. The price is a tail cut at about the
/// 99.99th percentile (3.7 standard deviations of the log): right for the
/// model's many CPU and network times, where a draw's cost matters and the
/// far tail does not. Latencies whose far tail matters (the card gateway,
/// whose slowest answers time out) use the exact `LogNormal`.
public struct TabulatedLogNormal: Sendable {
    public let median: Double
    public let sigma: Double
    /// exp(σ·Φ⁻¹) at each step, shared by every distribution with this σ
    /// (the four shards' CPU times, the log's consumers): fewer tables to
    /// keep in cache. A step's value is `median` times this, the same
    /// product a table of the distribution's own would hold.
    @usableFromInline let table: [Double]
    static let steps = 4_096

    public init(median: Double, sigma: Double) {
        precondition(median > 0 && sigma >= 0)
        self.median = median
        self.sigma = sigma
        table = TabulatedLogNormal.shared.withLock { tables in
            if let t = tables[sigma] { return t }
            let t = TabulatedLogNormal.standardQuantiles.map { exp(sigma * $0) }
            tables[sigma] = t
            return t
        }
    }

    /// The tables made so far, by σ.
    static let shared = Mutex<[Double: [Double]]>([:])

    /// Φ⁻¹ at k/steps for k in 0...steps, the ends pulled in by half a step;
    /// computed once for every table.
    static let standardQuantiles: [Double] = (0...steps).map { k in
        inverseStandardNormal(min(max(Double(k) / Double(steps), 0.5 / Double(steps)), 1 - 0.5 / Double(steps)))
    }

    @inlinable public func sample(_ rng: inout SeededRandom) -> Double {
        let u = rng.next() >> 11  // 53 bits
        let i = Int(u >> 41)      // the top 12 select the step
        let f = Double(u & ((1 << 41) - 1)) * 0x1.0p-41
        let low = median * table[i], high = median * table[i + 1]
        return low + (high - low) * f
    }

    /// Φ⁻¹(p) by bisection on erfc: exact to double precision, and only
    /// run when a table is built.
    static func inverseStandardNormal(_ p: Double) -> Double {
        var lo = -10.0, hi = 10.0
        for _ in 0..<80 {
            let mid = (lo + hi) / 2
            if 0.5 * erfc(-mid / 2.0.squareRoot()) < p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }
}
