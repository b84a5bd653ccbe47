/// Whole runs and the full audit that ends them.
extension Simulation {
    /// Recomputes every ledger total from the balances and checks every
    /// limit; violations join the auditor's list. O(rows).
    public func auditNow() {
        var money: Int64 = 0
        var shares = [Int64](repeating: 0, count: ledger.symbols)
        for id in unsettled.keys.sorted() {
            guard let t = unsettled[id] else { continue }
            money += t.appliedMoney
            for (i, d) in t.appliedShares.enumerated() { shares[i] += d }
        }
        audit { $0.fullAudit(ledger: ledger, inFlightMoney: money, inFlightShares: shares) }
        reconcileNow()
    }

    /// The full reconciliation (merchants, escrow, the gateway's open
    /// charges) now; its breaks join the reconciler's list and the event log.
    public func reconcileNow() {
        for b in fullReconciliation() + gatewayBreaks() { reportBreak(b.kind, id: b.id, b.message) }
    }

    /// Runs a headless experiment: arrivals for `duration`, then up to
    /// `drain` more for work in flight to finish, then a full audit.
    /// Commands run at their times, in list order for equal times; each one
    /// the platform refuses is returned with its index in `commands`.
    /// `shouldStop` is asked after every simulated second; when it says yes
    /// the run ends there (no drain, no audit). `afterDrain` is asked each
    /// time a drain ends with work still in flight, for a caller that has
    /// more to wait for; true drains once more. With `drillLine` (the
    /// command's line in its drill), applied commands go to the action log.
    public func runHeadless(duration: SimDuration, drain: SimDuration = .seconds(60),
                            commands: [(at: SimDuration, command: OperatorCommand)] = [],
                            shouldStop: () -> Bool = { false },
                            afterDrain: () -> Bool = { false },
                            drillLine: ((Int) -> Int)? = nil) -> [(index: Int, error: CommandError)] {
        var failures: [(index: Int, error: CommandError)] = []
        /// Advances a second at a time; false once told to stop.
        func run(to t: Int64) -> Bool {
            while nowMicros < t {
                advance(to: SimTime(microseconds: min(t, nowMicros + 1_000_000)))
                if shouldStop() { return false }
            }
            return true
        }
        let ordered = commands.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
        for (i, step) in ordered where step.at <= duration {
            guard run(to: step.at.microseconds) else { return failures }
            do {
                try apply(step.command)
                if let drillLine { noteAction(step.command, who: "drill", via: "drill line \(drillLine(i))") }
            } catch {
                failures.append((i, error))
            }
        }
        guard run(to: duration.microseconds) else { return failures }
        closeArrivals()
        /// Lets work in flight finish, for up to `drain`; false once told to stop.
        func drainInFlight() -> Bool {
            let deadline = nowMicros + drain.microseconds
            while !isQuiescent && nowMicros < deadline {
                guard run(to: min(deadline, nowMicros + 1_000_000)) else { return false }
            }
            return true
        }
        guard drainInFlight() else { return failures }
        while !isQuiescent && afterDrain() {
            guard drainInFlight() else { return failures }
        }
        auditNow()
        return failures
    }
}

extension Simulation {
    /// True while a server backend (cache or message log) cannot be reached.
    public var backendDown: Bool { !cache.isAvailable || !(logBackend?.isAvailable ?? true) }

    /// Work that waits on the message log: messages not yet sent to it, and
    /// top-ups authorised but not yet credited.
    public var heldByLog: (messages: Int, topups: Int) { (unsentMessages, pendingTopups.count) }
}
