/// A circuit breaker's state, as resilience4j and Envoy's operators know it.
public enum BreakerState: String, Sendable, Codable, CustomStringConvertible {
    /// Calls go through; outcomes are counted.
    case closed
    /// Calls fail at once, without reaching the gateway.
    case open
    /// A few trial calls go through; their outcomes decide.
    case halfOpen = "half-open"
    public var description: String { rawValue }
}

/// A count-based circuit breaker (resilience4j's model): the outcomes of the
/// last `windowCalls` calls are kept; once at least `minimumCalls` are in
/// the window and the failure rate or the slow-call rate reaches its
/// threshold, it opens. After `openMicros` it lets `halfOpenCalls` trial
/// calls through: all good closes it, any bad one opens it again.
///
/// A value type with no clock: every call passes `now`.
struct CircuitBreaker {
    enum Transition: Equatable {
        case opened(failurePercent: Double, slowPercent: Double)
        case halfOpened
        case closed
        case reopened
    }

    let windowCalls: Int
    let minimumCalls: Int
    let failureRatePercent: Double
    let slowCallRatePercent: Double
    let openMicros: Int64
    let halfOpenCalls: Int

    private(set) var state: BreakerState = .closed
    /// Outcomes in the window: bit 0 failed, bit 1 slow.
    private var ring: [UInt8]
    private var next = 0
    private var filled = 0
    private var failures = 0
    private var slows = 0
    private(set) var openedAt: Int64 = 0
    private var trialsIssued = 0
    private var trialsPassed = 0
    /// Times it opened, and calls it refused while open.
    private(set) var opens: Int64 = 0
    private(set) var rejected: Int64 = 0

    init(windowCalls: Int, minimumCalls: Int, failureRatePercent: Double, slowCallRatePercent: Double,
         openDuration: SimDuration, halfOpenCalls: Int) {
        precondition(windowCalls >= 1 && minimumCalls >= 1 && halfOpenCalls >= 1)
        self.windowCalls = windowCalls
        self.minimumCalls = min(minimumCalls, windowCalls)
        self.failureRatePercent = failureRatePercent
        self.slowCallRatePercent = slowCallRatePercent
        self.openMicros = openDuration.microseconds
        self.halfOpenCalls = halfOpenCalls
        ring = [UInt8](repeating: 0, count: windowCalls)
    }

    init(_ c: SimulationConfig) {
        self.init(windowCalls: c.breakerWindowCalls, minimumCalls: c.breakerMinimumCalls,
                  failureRatePercent: c.breakerFailureRatePercent, slowCallRatePercent: c.breakerSlowCallRatePercent,
                  openDuration: c.breakerOpenDuration, halfOpenCalls: c.breakerHalfOpenCalls)
    }

    /// Failure rate over the window in percent, or nil below the minimum calls.
    var failurePercent: Double? { filled < minimumCalls ? nil : Double(failures) * 100 / Double(filled) }

    /// Moves an open breaker to half-open once its wait is over.
    mutating func tick(now: Int64) -> Transition? {
        guard state == .open, now >= openedAt + openMicros else { return nil }
        state = .halfOpen
        trialsIssued = 0
        trialsPassed = 0
        return .halfOpened
    }

    /// May a call go through now? A refused call is counted.
    mutating func allow(now: Int64) -> (allowed: Bool, transition: Transition?) {
        let transition = tick(now: now)
        switch state {
        case .closed:
            return (true, transition)
        case .open:
            rejected += 1
            return (false, transition)
        case .halfOpen:
            guard trialsIssued < halfOpenCalls else {
                rejected += 1
                return (false, transition)
            }
            trialsIssued += 1
            return (true, transition)
        }
    }

    /// A call that went through finished.
    mutating func record(now: Int64, failed: Bool, slow: Bool) -> Transition? {
        switch state {
        case .open:
            // A call from before it opened: it no longer counts.
            return nil
        case .halfOpen:
            if failed || slow {
                open(now: now)
                return .reopened
            }
            trialsPassed += 1
            guard trialsPassed >= halfOpenCalls else { return nil }
            state = .closed
            clearWindow()
            return .closed
        case .closed:
            let old = ring[next]
            if filled == windowCalls {
                if old & 1 != 0 { failures -= 1 }
                if old & 2 != 0 { slows -= 1 }
            } else {
                filled += 1
            }
            ring[next] = (failed ? 1 : 0) | (slow ? 2 : 0)
            if failed { failures += 1 }
            if slow { slows += 1 }
            next = (next + 1) % windowCalls
            guard filled >= minimumCalls else { return nil }
            let failurePercent = Double(failures) * 100 / Double(filled)
            let slowPercent = Double(slows) * 100 / Double(filled)
            guard failurePercent >= failureRatePercent || slowPercent >= slowCallRatePercent else { return nil }
            open(now: now)
            return .opened(failurePercent: failurePercent, slowPercent: slowPercent)
        }
    }

    /// Back to closed with an empty window (an operator turned breakers off
    /// and on, or the node restarted).
    mutating func reset() {
        state = .closed
        clearWindow()
    }

    private mutating func open(now: Int64) {
        state = .open
        openedAt = now
        opens += 1
        clearWindow()
    }

    private mutating func clearWindow() {
        for i in ring.indices { ring[i] = 0 }
        next = 0
        filled = 0
        failures = 0
        slows = 0
    }
}

/// A bulkhead: at most `limit` calls at once; a call that finds it full
/// fails at once instead of queueing behind a slow dependency.
struct Bulkhead {
    /// nil: unlimited (the bulkhead is off).
    var limit: Int?
    private(set) var inUse = 0
    private(set) var rejected: Int64 = 0

    init(limit: Int?) { self.limit = limit }

    mutating func acquire() -> Bool {
        if let limit, inUse >= limit {
            rejected += 1
            return false
        }
        inUse += 1
        return true
    }

    mutating func release() {
        precondition(inUse > 0, "bulkhead released more than acquired")
        inUse -= 1
    }

    /// The node died: its connections went with it.
    mutating func dropAll() { inUse = 0 }
}
