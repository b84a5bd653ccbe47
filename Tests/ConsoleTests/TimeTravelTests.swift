import PaySim
import Testing
@testable import Console

/// `z` freezes the display while the simulation runs on; `[` `]` `{` `}`
/// step through the last ten minutes; any other key returns to live.
@Suite struct TimeTravelTests {
    /// A controller whose history has a snapshot every simulated second for `seconds`.
    func controller(seconds: Int) -> ConsoleController {
        var c = SimulationConfig()
        c.baseRateTPS = 200
        let controller = ConsoleController(simulation: Simulation(config: c))
        for s in 1...seconds {
            controller.simulation!.advance(to: SimTime(microseconds: Int64(s) * 1_000_000 + 250_000))
            _ = controller.displayed(controller.simulation!.snapshot())
        }
        return controller
    }

    @Test func freezingShowsTheScreenAsItWasWhileTheRunGoesOn() throws {
        let c = controller(seconds: 30)
        c.handle(.character("z"))
        let frozenAt = try #require(c.state.frozenAt)
        #expect(frozenAt.microseconds == 30_250_000)
        // The simulation runs on; the display stays where it was.
        c.simulation!.advance(to: SimTime(microseconds: 35_500_000))
        let shown = c.displayed(c.simulation!.snapshot())
        #expect(shown.time == frozenAt)
        #expect(c.state.frozenBehind == .microseconds(5_250_000))
        // The flow chart ends where the frozen time is: 5 fewer seconds than live.
        let live = c.simulation!.snapshot()
        #expect(shown.flow[0].goodput.count == live.flow[0].goodput.count - 5)
        #expect(shown.flow[0].goodput.values == Array(live.flow[0].goodput.values.dropLast(5)))
        // Stepping: a second back, ten back, a second forward.
        c.handle(.character("["))
        #expect(c.state.frozenAt?.microseconds == 29_250_000)
        c.handle(.character("{"))
        #expect(c.state.frozenAt?.microseconds == 19_250_000)
        c.handle(.character("]"))
        #expect(c.state.frozenAt?.microseconds == 20_250_000)
        #expect(c.displayed(c.simulation!.snapshot()).time.microseconds == 20_250_000)
        // Past the oldest it stays at the oldest.
        for _ in 0..<5 { c.handle(.character("{")) }
        #expect(c.state.frozenAt?.microseconds == 1_250_000)
        // View keys work on the frozen screen; any other key is live again.
        c.handle(.character("e"))
        #expect(c.state.zoomed)
        #expect(c.state.frozenAt != nil)
        c.handle(.character("x"))
        #expect(c.state.frozenAt == nil)
        #expect(c.displayed(c.simulation!.snapshot()).time.microseconds == 35_500_000)
        // A platform key while frozen only returns to live: nothing is drained.
        c.handle(.character("z"))
        c.handle(.character("d"))
        #expect(c.state.frozenAt == nil)
        #expect(c.simulation!.actions.isEmpty)
        // q still quits.
        c.handle(.character("["))
        c.handle(.character("q"))
        #expect(c.state.quit)
    }

    /// What the console keeps between frames (the latest snapshot and the
    /// history) holds the run's counters but none of its latency
    /// distributions, which the engine would otherwise copy whole at its
    /// next sample; the live snapshot still has them all.
    @Test func keptSnapshotsHoldNoDistributions() throws {
        let c = controller(seconds: 5)
        let live = c.simulation!.snapshot()
        _ = c.displayed(live)
        let kept = try #require(c.latest)
        let oldest = try #require(c.history.entries.first)
        for w in Workload.allCases {
            #expect(live.workload(w).stats.latency.totalCount > 0)
            #expect(kept.workload(w).stats.committed == live.workload(w).stats.committed)
            #expect(kept.workload(w).stats.submitted == live.workload(w).stats.submitted)
            for s in [kept, oldest] {
                #expect(s.workload(w).stats.latency.totalCount == 0)
                #expect(s.workload(w).stats.failureLatency.totalCount == 0)
                #expect(s.workload(w).stats.declineLatency.totalCount == 0)
            }
        }
    }

    @Test func steppingForwardPastTheNewestIsLive() {
        let c = controller(seconds: 5)
        c.handle(.character("["))
        #expect(c.state.frozenAt?.microseconds == 4_250_000)
        c.handle(.character("]"))
        c.handle(.character("]"))
        #expect(c.state.frozenAt == nil)
    }

    @Test func theHistoryKeepsTenMinutesASecondApart() {
        var h = SnapshotHistory()
        var c = SimulationConfig()
        c.baseRateTPS = 0
        let sim = Simulation(config: c)
        var s = sim.snapshot()
        for t in stride(from: Int64(0), to: 700_000_000, by: 250_000) {
            s.time = SimTime(microseconds: t)
            h.record(s)
        }
        #expect(h.count == SnapshotHistory.seconds)
        #expect(h[0].time.microseconds == 100_000_000)
        #expect(h.newest?.time.microseconds == 699_000_000)
        #expect(h.index(atOrBefore: SimTime(microseconds: 150_500_000)).map { h[$0].time.microseconds } == 150_000_000)
        #expect(h.index(atOrBefore: SimTime(microseconds: 5)) == nil)
        // Kept snapshots hold no hour of flow and only the latest events.
        #expect(h[0].flow.isEmpty)
    }

    @Test(arguments: [(80, 24), (160, 48)])
    func theFrozenHeaderSaysHowFarBehind(_ w: Int, _ h: Int) {
        let c = controller(seconds: 50)
        c.handle(.character("z"))
        c.simulation!.advance(to: SimTime(microseconds: 92_250_000))
        let shown = c.displayed(c.simulation!.snapshot())
        var screen = Screen(snapshot: shown, state: c.state, theme: .monochromeBuiltIn, glyphs: .unicode, width: w, height: h)
        let top = screen.render().row(0)
        #expect(top.contains("00:00:50 ×1 │ ⏸ −00:42"), "\(top)")
        var ascii = Screen(snapshot: shown, state: c.state, theme: .monochromeBuiltIn, glyphs: .ascii, width: w, height: h)
        #expect(ascii.render().row(0).contains("= -00:42"))
    }
}
