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
    /// more to wait for; true drains once more.
    public func runHeadless(duration: SimDuration, drain: SimDuration = .seconds(60),
                            commands: [(at: SimDuration, command: OperatorCommand)] = [],
                            shouldStop: () -> Bool = { false },
                            afterDrain: () -> Bool = { false }) -> [(index: Int, error: CommandError)] {
        var failures: [(index: Int, error: CommandError)] = []
        func run(to t: Int64) -> Bool { advanceHeadless(to: SimTime(microseconds: t), shouldStop: shouldStop) }
        let ordered = commands.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
        for (i, step) in ordered where step.at <= duration {
            guard run(to: step.at.microseconds) else { return failures }
            do { try apply(step.command) } catch { failures.append((i, error)) }
        }
        guard run(to: duration.microseconds) else { return failures }
        finishRun(drain: drain, shouldStop: shouldStop, afterDrain: afterDrain)
        return failures
    }

    /// Advances to `time` a simulated second at a time, asking `shouldStop`
    /// after each; false when it said stop.
    public func advanceHeadless(to time: SimTime, shouldStop: () -> Bool = { false }) -> Bool {
        while nowMicros < time.microseconds {
            advance(to: SimTime(microseconds: min(time.microseconds, nowMicros + 1_000_000)))
            if shouldStop() { return false }
        }
        return true
    }

    /// The report of the run as it stands (after `finishRun`, the run's
    /// final one): `duration` is its length of arrivals; `breachedAt`, the
    /// first breach when that stopped it.
    public func report(duration: SimDuration, breachedAt: SimTime? = nil) -> RunReport {
        refreshBackendFigures()
        var report = RunReport(snapshot: snapshot(), config: config, duration: duration)
        if slo != nil { report.slo = thresholdStatuses.map(RunReport.SLOReport.init) }
        report.aborted_on_breach_at_s = breachedAt?.seconds
        report.actions = actions.map(RunReport.ActionReport.init)
        report.actions_dropped = actionsDropped
        return report
    }

    /// Ends the run here, as `runHeadless` ends it after its arrivals:
    /// arrivals close, work in flight finishes for up to `drain` (and again
    /// while `afterDrain` says there is more to wait for), then the full
    /// audit. False when `shouldStop` stopped it first (no audit then).
    /// A console session ends the same way, so a replay of it can too.
    @discardableResult
    public func finishRun(drain: SimDuration = .seconds(60), shouldStop: () -> Bool = { false },
                          afterDrain: () -> Bool = { false }) -> Bool {
        closeArrivals()
        /// Lets work in flight finish, for up to `drain`, a second at a time; false once told to stop.
        func drainInFlight() -> Bool {
            let deadline = nowMicros + drain.microseconds
            while !isQuiescent && nowMicros < deadline {
                guard advanceHeadless(to: SimTime(microseconds: min(deadline, nowMicros + 1_000_000)), shouldStop: shouldStop) else { return false }
            }
            return true
        }
        guard drainInFlight() else { return false }
        while !isQuiescent && afterDrain() {
            guard drainInFlight() else { return false }
        }
        auditNow()
        return true
    }
}

extension Simulation {
    /// True while a server backend (cache or message log) cannot be reached.
    public var backendDown: Bool { !cache.isAvailable || !(logBackend?.isAvailable ?? true) }

    /// Work that waits on the message log: messages not yet sent to it, and
    /// top-ups authorised but not yet credited.
    public var heldByLog: (messages: Int, topups: Int) { (unsentMessages, pendingTopups.count) }
}
