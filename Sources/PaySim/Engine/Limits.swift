/// Every bound a person can reach with a flag, a command or a scenario line,
/// in one place: the flag parser, the command parser and the engine all
/// check against these, so a value one of them accepts the others accept too.
public enum Limits {
    /// A closed range with the words used to describe it in messages.
    public struct Bound<Value: Comparable & Sendable>: Sendable {
        public let range: ClosedRange<Value>
        /// How the range reads in a message: "0 to 10000000 tps".
        public let text: String
        public func contains(_ v: Value) -> Bool { range.contains(v) }
    }

    /// Arrival rate in requests per second, total or per workload. Zero stops
    /// arrivals; below the smallest positive rate one arrival would be more
    /// than a year away, so such rates are refused rather than rounded.
    public static let rateTPS = Bound(range: 0.0...10_000_000, text: "0, or 0.001 to 10000000 tps")
    public static let smallestPositiveRateTPS = 0.001
    public static let spikeFactor = Bound(range: 0.001...1_000.0, text: "0.001x to 1000x")
    public static let slowFactor = Bound(range: 1.0...1_000, text: "1x to 1000x")
    public static let nodeWeight = Bound(range: 0...100, text: "0 to 100")
    public static let shards = Bound(range: 1...64, text: "1 to 64")
    public static let nodes = Bound(range: 1...64, text: "1 to 64")
    public static let customers = Bound(range: 1...10_000_000, text: "1 to 10000000")
    public static let cacheCapacityEntries = Bound(range: 1...100_000_000, text: "1 to 100000000 entries")
    public static let consumers = Bound(range: 0...64, text: "0 to 64")
    /// Longest duration of a spike, a partition or a deadline: one day. Keeps
    /// every `now + duration` far from overflow.
    public static let commandDurationMicroseconds = Bound(range: Int64(1)...86_400_000_000, text: "up to 24h")
    /// Retries allowed as a share of requests (the retry budget).
    public static let retryBudgetPercent = Bound(range: 0.0...100, text: "0% to 100%")
    public static let retryAttempts = Bound(range: 1...10, text: "1 to 10 attempts")
    /// Outbound card-gateway connections per node (the bulkhead).
    public static let bulkheadConnections = Bound(range: 1...10_000, text: "1 to 10000 connections")
    /// Requests per second per merchant at the edge.
    public static let merchantRateLimitPerSecond = Bound(range: 1.0...1_000_000, text: "1 to 1000000 per second")
    /// Spikes, and partitions, in force at once: each ends by itself, and
    /// more than this at a time is an operator's mistake, not a drill.
    public static let activeSpikes = 64
    /// Actions kept for the report's action log.
    public static let actionLogEntries = 10_000
    public static let activePartitions = 64
    /// Arrival and service rates of `bench mmc`'s queue, per second.
    public static let queueModelRatePerSecond = Bound(range: 0.001...1_000_000_000, text: "0.001 to 1000000000 per second")
    /// Simulated seconds `bench mmc` may run: its clock is 64-bit microseconds,
    /// which hold about 290,000 years; a thousandth of that leaves room for the tail.
    public static let queueModelSeconds: Double = 9e9
    /// Simulated time of arrivals in one headless run: a day.
    public static let runDurationMicroseconds = Bound(range: Int64(1)...86_400_000_000, text: "more than 0s and up to 24h")
    /// Capture windows, settlement lags and payout intervals: a second to a day.
    public static let lifecycleMicroseconds = Bound(range: Int64(1_000_000)...86_400_000_000, text: "1s to 24h")
    /// The card gateway's latency multiplier in a brownout.
    public static let gatewaySlowFactor = Bound(range: 1.0...1_000, text: "1x to 1000x")
    /// Shares of gateway answers dropped, and of settlements the counterparty fails.
    public static let faultPercent = Bound(range: 0.0...100, text: "0% to 100%")
    public static let requestDeadlineMicroseconds = Bound(range: Int64(10_000)...600_000_000, text: "10ms to 10m")
}
