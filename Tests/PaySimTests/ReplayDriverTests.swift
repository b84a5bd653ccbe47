import Testing
@testable import PaySim

/// The replay makes the run recorded: actions applied mid-frame (the
/// console stops its engine after a budget of events, not on a second)
/// land at the same point of the run, and the ending is the same.
@Suite struct ReplayDriverTests {
    static func config() -> SimulationConfig {
        var c = SimulationConfig()
        c.seed = 21
        c.baseRateTPS = 800
        return c
    }

    /// A session as the console runs one: frames of at most `budget` events
    /// toward wall-paced targets, commands between frames.
    static func session(budget: Int) -> (actions: [RecordedAction], end: (SimTime, Int64), report: RunReport) {
        let sim = Simulation(config: config())
        let commands: [(frame: Int, OperatorCommand)] = [
            (7, .spike(factor: 3, duration: .seconds(10), workload: nil)), (19, .drainNode(1)), (19, .cacheFlush),
            (33, .gatewayTimeouts(percent: 10)), (41, .rate(tps: 1_200, workload: .payment)), (55, .recoverNode(1)),
        ]
        var target: Int64 = 0
        for frame in 0..<70 {
            target += 310_000
            sim.advance(to: SimTime(microseconds: target), eventBudget: budget)
            for (f, c) in commands where f == frame {
                try! sim.apply(c)
                sim.noteAction(c, who: "ana", via: f == 41 ? "prompt" : "key")
            }
        }
        let end = (sim.now, sim.processedEvents)
        sim.finishRun()
        let actions = sim.actions.enumerated().map { i, a in
            RecordedAction(at: a.at, event: a.event, who: a.who, via: a.via, command: try! CommandParser.parse(a.command), line: i + 2)
        }
        return (actions, end, sim.report(duration: SimDuration(microseconds: end.0.microseconds)))
    }

    static func replay(_ actions: [RecordedAction], end: (SimTime, Int64)) throws -> RunReport {
        let sim = Simulation(config: config())
        let driver = ReplayDriver(simulation: sim, actions: actions, end: (end.0, end.1, 99))
        try driver.playToEnd()
        #expect(driver.reachedEnd)
        sim.finishRun()
        return sim.report(duration: SimDuration(microseconds: end.0.microseconds))
    }

    @Test(arguments: [250, 2_000, Int.max])
    func aSessionReplaysToTheSameReport(budget: Int) throws {
        let s = ReplayDriverTests.session(budget: budget)
        #expect(s.actions.count == 6)
        let replayed = try ReplayDriverTests.replay(s.actions, end: s.end)
        #expect(replayed == s.report)
        #expect(replayed.actions.map(\.via) == ["key", "key", "key", "key", "prompt", "key"])
    }

    /// The same replay driven in frames of its own (as on screen) ends the same.
    @Test func framesOfTheReplayDoNotChangeIt() throws {
        let s = ReplayDriverTests.session(budget: 700)
        let sim = Simulation(config: ReplayDriverTests.config())
        let driver = ReplayDriver(simulation: sim, actions: s.actions, end: (s.end.0, s.end.1, 99), onScreen: true)
        var target: Int64 = 0
        while driver.playing {
            target += 123_456
            driver.advance(to: SimTime(microseconds: target), eventBudget: 1_500)
        }
        #expect(driver.divergence == nil)
        sim.finishRun()
        #expect(sim.report(duration: SimDuration(microseconds: s.end.0.microseconds)) == s.report)
    }

    @Test func aPointTheRunNeverReachesIsADivergence() throws {
        let s = ReplayDriverTests.session(budget: 2_000)
        var actions = s.actions
        actions[2].event -= 1
        #expect(throws: ReplayDivergence.self) { try ReplayDriverTests.replay(actions, end: s.end) }
        // An action the platform refuses at its point.
        actions = s.actions
        actions[1].command = .recoverNode(3)
        let sim = Simulation(config: ReplayDriverTests.config())
        let driver = ReplayDriver(simulation: sim, actions: actions, end: (s.end.0, s.end.1, 99))
        do {
            try driver.playToEnd()
            Issue.record("a refused action replayed")
        } catch {
            #expect(error.line == 3)
            #expect(error.message.contains("is refused here"))
        }
    }
}
