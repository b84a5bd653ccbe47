/// The platform's protections as they are set now. Each starts from the
/// configuration, and an operator can switch it at run time to rehearse
/// what happens without it (a retry storm with the budget off, say).
public struct ResilienceSettings: Sendable, Equatable, Codable {
    /// Circuit breakers on the nodes' card-gateway calls.
    public var breakers: Bool
    /// Card-gateway connections per node; nil when the bulkhead is off.
    public var bulkheadConnections: Int?
    /// Retries as a share of requests, in percent; nil when the budget is off.
    public var retryBudgetPercent: Double?
    /// Attempts a client makes for one request.
    public var maxAttempts: Int
    /// How long a client waits for a request; nil when it waits forever.
    public var deadline: SimDuration?
    /// Passive outlier ejection of nodes.
    public var ejection: Bool
    /// Requests per second per merchant at the edge; nil when unlimited.
    public var merchantRateLimitPerSecond: Double?

    public init(_ c: SimulationConfig) {
        breakers = c.breakerEnabled
        bulkheadConnections = c.bulkheadEnabled ? c.gatewayConnectionsPerNode : nil
        retryBudgetPercent = c.retryBudgetEnabled ? c.retryBudgetPercent : nil
        maxAttempts = c.clientMaxAttempts
        deadline = c.requestDeadline
        ejection = c.ejectionEnabled
        merchantRateLimitPerSecond = c.rateLimitEnabled ? c.merchantRateLimitPerSecond : nil
    }
}
