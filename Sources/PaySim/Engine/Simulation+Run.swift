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
    }

    /// Runs a headless experiment: arrivals for `duration`, then up to
    /// `drain` more for work in flight to finish, then a full audit.
    /// Commands run at their times, in list order for equal times; each one
    /// the platform refuses is returned with its index in `commands`.
    public func runHeadless(duration: SimDuration, drain: SimDuration = .seconds(60),
                            commands: [(at: SimDuration, command: OperatorCommand)] = []) -> [(index: Int, error: CommandError)] {
        var failures: [(index: Int, error: CommandError)] = []
        let ordered = commands.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
        for (i, step) in ordered where step.at <= duration {
            advance(to: SimTime(microseconds: step.at.microseconds))
            do { try apply(step.command) } catch { failures.append((i, error)) }
        }
        advance(to: SimTime(microseconds: duration.microseconds))
        closeArrivals()
        let deadline = nowMicros + drain.microseconds
        while !isQuiescent && nowMicros < deadline {
            advance(to: SimTime(microseconds: min(deadline, nowMicros + 1_000_000)))
        }
        auditNow()
        return failures
    }
}
