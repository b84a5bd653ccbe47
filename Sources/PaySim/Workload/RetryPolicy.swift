/// Exponential backoff with full jitter (the AWS architecture blog's
/// recommendation): attempt n waits a uniform random time in
/// [0, min(cap, base × 2^(n-1))], so retries of many clients spread out
/// instead of arriving in synchronised waves.
struct Backoff {
    let baseMicros: Int64
    let capMicros: Int64

    /// The wait before the attempt after `attempt` (1-based) failed.
    func delay(after attempt: Int, _ rng: inout SeededRandom) -> Int64 {
        let shift = min(max(attempt - 1, 0), 30)
        let ceiling = min(capMicros, baseMicros << shift)
        guard ceiling > 0 else { return 0 }
        return Int64(rng.nextDouble() * Double(ceiling))
    }
}

/// A retry budget (Finagle's and Envoy's idea): over a sliding window,
/// retries may be at most `percent` of requests, plus a small floor so a
/// quiet service can still retry. When the platform is failing, retries
/// then add at most a fifth to the load instead of tripling it.
///
/// The window is kept as one bucket per simulated second.
struct RetryBudget {
    var percent: Double
    let minPerSecond: Double
    private var requests: [Int64]
    private var retries: [Int64]
    private var second: Int64 = 0
    private(set) var refused: Int64 = 0

    init(percent: Double, minPerSecond: Double, window: SimDuration) {
        let seconds = max(1, Int(window.microseconds / 1_000_000))
        self.percent = percent
        self.minPerSecond = minPerSecond
        requests = [Int64](repeating: 0, count: seconds)
        retries = [Int64](repeating: 0, count: seconds)
    }

    private mutating func roll(to now: Int64) {
        let s = now / 1_000_000
        guard s != second else { return }
        let steps = min(Int64(requests.count), s - second)
        for k in 1...steps {
            let i = Int((second + k) % Int64(requests.count))
            requests[i] = 0
            retries[i] = 0
        }
        second = s
    }

    /// A new request arrived.
    mutating func noteRequest(now: Int64) {
        roll(to: now)
        requests[Int(second % Int64(requests.count))] += 1
    }

    /// May a retry start now? If so it is counted against the budget.
    mutating func allowRetry(now: Int64) -> Bool {
        roll(to: now)
        let inWindow = Double(retries.reduce(0, +))
        let allowance = Double(requests.reduce(0, +)) * percent / 100 + minPerSecond * Double(requests.count)
        guard inWindow < allowance else {
            refused += 1
            return false
        }
        retries[Int(second % Int64(retries.count))] += 1
        return true
    }
}

/// A token bucket: `ratePerSecond` tokens a second up to `burst`; each
/// request takes one or is refused (HTTP 429).
struct TokenBucket {
    var tokens: Double
    var updatedAt: Int64

    init(burst: Double, now: Int64) {
        tokens = burst
        updatedAt = now
    }

    mutating func take(now: Int64, ratePerSecond: Double, burst: Double) -> Bool {
        tokens = min(burst, tokens + Double(now - updatedAt) * ratePerSecond / 1_000_000)
        updatedAt = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
