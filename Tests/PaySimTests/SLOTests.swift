import Testing
@testable import PaySim

/// Service-level thresholds: the expression language, and thresholds judged
/// on the running model that breach under a fault and hold again after it.
@Suite struct SLOTests {
    static func parse(_ s: String) throws -> SLOThreshold {
        try SLOThreshold.parse(s, groups: Simulation.groupNames)
    }

    @Test(arguments: [
        ("payment.p99 < 300ms", "payment.p99 < 300ms", 300.0),
        ("topup.p99.9<=2s over 30s", "topup.p99.9 <= 2s over 30s", 2_000),
        ("topup.success > 99.5%", "topup.success > 99.5%", 0.995),
        ("error_rate < 1% over 1m", "error_rate < 1%", 0.01),
        ("lag.wallet-credit < 30s", "lag.wallet-credit < 30s", 30_000),
        ("reconciliation.breaks == 0", "reconciliation.breaks == 0", 0),
        ("Trade.GOODPUT >= 80 over 10m", "trade.goodput >= 80 over 10m", 80),
        ("shed < 5%", "shed < 5%", 0.05),
    ])
    func parsesAndPrintsCanonically(_ text: String, _ canonical: String, _ limit: Double) throws {
        let t = try Self.parse(text)
        #expect(t.description == canonical)
        #expect(abs(t.limit - limit) < 1e-9)
        #expect(try Self.parse(t.description) == t)
    }

    @Test(arguments: [
        ("payment.p98 < 3ms", 1, "unknown metric 'payment.p98'"),
        ("payment.p99 < 3", 15, "expected a time like 300ms"),
        ("payment.p99 3ms", 13, "expected a comparison"),
        ("lag.foo < 3s", 1, "lag.settlement, lag.notifications"),
        ("shed < 5", 8, "expected a share from 0% to 100%"),
        ("shed < 101%", 8, "expected a share from 0% to 100%"),
        ("error_rate < 1% over 2h", 22, "expected a window from 1s to 10m"),
        ("reconciliation.breaks == 0 over 1m", 28, "takes no window"),
        ("error_rate < 1% over 30s extra", 26, "unexpected 'extra'"),
        ("error_rate < 1% during 30s", 17, "expected 'over'"),
        ("", 1, "expected a metric"),
        ("goodput >", 10, "expected a value"),
    ])
    func rejectsMalformedExpressionsWithTheirColumn(_ text: String, _ column: Int, _ fragment: String) {
        #expect {
            try Self.parse(text)
        } throws: { error in
            guard let e = error as? SLOParseError else { return false }
            return e.column == column && e.message.contains(fragment)
        }
    }

    @Test func measuredValuesReadForPeopleAndNeverRoundOntoTheLimit() throws {
        let lag = try Self.parse("lag.wallet-credit < 30s")
        #expect(lag.display(29_996) == "29.996s")
        #expect(lag.display(7_092.26) == "7.09s")
        #expect(lag.display(4.692) == "4.69ms")
        let err = try Self.parse("error_rate < 1%")
        #expect(err.display(0.21382) == "21.4%")
        #expect(err.display(0.0035) == "0.35%")
        #expect(try Self.parse("goodput > 900").display(940.3333) == "940.3")
    }

    @Test func scenarioSLOLinesParseAndErrorsArePositioned() throws {
        let s = try Scenario.parse("""
            # a drill
            slo payment.p99 < 300ms   # what held means
            at 10s crash shard-2
            slo error_rate < 2% over 30s
            """, file: "d.scenario")
        #expect(s.thresholds.map(\.description) == ["payment.p99 < 300ms", "error_rate < 2% over 30s"])
        #expect(s.thresholdLines == [2, 4])
        #expect(s.steps.count == 1)
        #expect {
            try Scenario.parse("at 1s drain node-1\nslo   payment.p99 < 3\n", file: "d.scenario")
        } throws: { error in
            (error as? ScenarioError)?.description == "d.scenario:2:21: expected a time like 300ms or 2s, found '3'"
        }
    }

    /// A crashed shard under 2PC blocks payments and fails requests; the
    /// error-rate threshold breaches while it is down and holds again once it
    /// is back and the window has moved past the outage. A threshold no
    /// fault touches holds throughout.
    @Test func thresholdsBreachUnderAFaultAndHoldAgainAfterIt() {
        let sim = Simulation(config: SimulationConfig())
        sim.setThresholds([
            try! Self.parse("error_rate < 1% over 10s"),
            try! Self.parse("payment.p99 < 5s over 10s"),
            try! Self.parse("reconciliation.breaks == 0"),
        ])
        _ = sim.runHeadless(duration: .seconds(90), commands: [
            (.seconds(20), .crashShard(1)),
            (.seconds(35), .restoreShard(1)),
        ])
        let st = sim.thresholdStatuses
        #expect(st[0].breaches >= 1, "\(st[0])")
        #expect(!st[0].breached, "held again by the end: \(st[0])")
        #expect((st[0].worst ?? 0) > 0.01)
        #expect(st[0].breachedSeconds >= 10 && st[0].breachedSeconds < 60, "\(st[0])")
        #expect(st[2].held && st[2].worst == 0)
        #expect(sim.anyThresholdBreached)
        let log = sim.events.entries.map(\.message)
        #expect(log.contains { $0.hasPrefix("SLO breached: error_rate < 1% over 10s") })
        #expect(log.contains { $0.hasPrefix("SLO held again: error_rate < 1% over 10s after") })
    }

    @Test func aQuietRunHoldsEveryThresholdAndIsJudgedOnlyOnFullWindows() {
        let sim = Simulation(config: SimulationConfig())
        sim.setThresholds([try! Self.parse("error_rate < 1% over 30s"), try! Self.parse("goodput > 500 over 10m")])
        _ = sim.runHeadless(duration: .seconds(40), commands: [])
        let st = sim.thresholdStatuses
        #expect(st.allSatisfy { $0.held })
        #expect(!sim.anyThresholdBreached)
        // The 30 s window filled at 30 s; the 10-minute one never did, and
        // was judged once over the run's 40 s when arrivals stopped.
        #expect((st[0].worstAt?.seconds ?? 0) >= 30, "\(st[0])")
        #expect((st[1].worst ?? 0) > 900, "\(st[1])")
    }
}

/// `ramp rate A to B over D`: the offered load follows the line, a rate
/// change ends it early, and the event log says when it started and ended.
@Suite struct RampTests {
    @Test func offeredLoadFollowsTheRamp() {
        let sim = Simulation(config: SimulationConfig())
        _ = sim.runHeadless(duration: .seconds(50), commands: [(.seconds(10), .ramp(from: 1_000, to: 4_000, duration: .seconds(30), workload: nil))])
        let offered = sim.flowHistory.indices.map { w in sim.flowHistory[w].offered.values }
        func at(_ second: Int) -> Double { offered.reduce(0) { $0 + $1[second - 1] } }
        // Poisson arrivals: a second's count is within a few percent of its rate.
        #expect(abs(at(5) - 1_000) < 150, "\(at(5))")
        #expect(abs(at(26) - 2_500) < 300, "\(at(26))")
        #expect(abs(at(45) - 4_000) < 400, "\(at(45))")
        #expect(sim.ramp == nil)
        let log = sim.events.entries.map(\.message)
        #expect(log.contains("ramp from 1000 to 4000 tps over 30s started"))
        #expect(log.contains("ramp reached 4000 tps"))
    }

    @Test func aRateChangeEndsARampEarly() {
        let sim = Simulation(config: SimulationConfig())
        _ = sim.runHeadless(duration: .seconds(20), commands: [
            (.seconds(1), .ramp(from: 1_000, to: 9_000, duration: .minutes(5), workload: nil)),
            (.seconds(5), .rate(tps: 500, workload: nil)),
        ])
        #expect(sim.ramp == nil)
        #expect(sim.baseRateTPS == 500)
        #expect(sim.events.entries.contains { $0.message == "ramp to 9000 tps ended early by a rate change" })
    }
}
