extension Simulation {
    /// Commands that switch the platform's protections.
    func applyResilience(_ command: OperatorCommand) throws(CommandError) {
        switch command {
        case .retryBudget(let percent):
            if let p = percent {
                guard Limits.retryBudgetPercent.contains(p) else { throw CommandError("retry budget must be \(Limits.retryBudgetPercent.text), got \(p)%") }
                resilience.retryBudgetPercent = p
                log(.info, "retry budget: retries at most \(Simulation.format(p))% of requests")
            } else {
                resilience.retryBudgetPercent = nil
                log(.warn, "retry budget off: every failed attempt is retried up to \(resilience.maxAttempts) attempts")
            }
        case .retryAttempts(let n):
            guard Limits.retryAttempts.contains(n) else { throw CommandError("attempts must be \(Limits.retryAttempts.text), got \(n)") }
            resilience.maxAttempts = n
            log(.info, "clients make at most \(n) attempt\(n == 1 ? "" : "s") per request")
        case .breakers(let on):
            resilience.breakers = on
            for n in nodes { n.breaker.reset() }
            log(on ? .info : .warn, on ? "gateway circuit breakers on" : "gateway circuit breakers off: calls go through whatever the gateway does")
        case .bulkhead(let connections):
            if let c = connections {
                guard Limits.bulkheadConnections.contains(c) else { throw CommandError("bulkhead must be \(Limits.bulkheadConnections.text), got \(c)") }
            }
            resilience.bulkheadConnections = connections
            for n in nodes { n.bulkhead.limit = connections }
            log(connections == nil ? .warn : .info, connections.map { "gateway bulkhead: \($0) connections per node" } ?? "gateway bulkhead off: calls are unlimited")
        case .deadline(let d):
            if let d {
                guard Limits.requestDeadlineMicroseconds.contains(d.microseconds) else {
                    throw CommandError("deadline must be \(Limits.requestDeadlineMicroseconds.text), got \(d)")
                }
            }
            resilience.deadline = d
            log(d == nil ? .warn : .info, d.map { "request deadline \($0) for new requests" } ?? "request deadline off: clients wait forever")
        case .ejection(let on):
            resilience.ejection = on
            log(on ? .info : .warn, on ? "outlier ejection on" : "outlier ejection off")
        case .rateLimit(let perSecond):
            if let r = perSecond {
                guard Limits.merchantRateLimitPerSecond.contains(r) else {
                    throw CommandError("rate limit must be \(Limits.merchantRateLimitPerSecond.text), got \(r)")
                }
            }
            resilience.merchantRateLimitPerSecond = perSecond
            log(perSecond == nil ? .warn : .info, perSecond.map { "merchant rate limit \(Simulation.format($0))/s" } ?? "merchant rate limit off")
        default:
            preconditionFailure("applyResilience called with \(command)")
        }
    }
}
