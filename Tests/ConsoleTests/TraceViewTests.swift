import Foundation
import Testing
import PaySim
@testable import Console

/// `t`: the sampled transactions and one's waterfall; card numbers and
/// accounts never shown whole.
@Suite struct TraceViewTests {
    func canvas(_ v: ConsoleState.TraceView, _ w: Int, _ h: Int, snapshot: MetricsSnapshot = ScreenSnapshotTests.snapshot) -> Canvas {
        var state = ConsoleState()
        state.traceView = v
        var screen = Screen(snapshot: snapshot, state: state, theme: .monochromeBuiltIn, glyphs: .unicode, width: w, height: h)
        return screen.render()
    }
    func render(_ v: ConsoleState.TraceView, _ w: Int, _ h: Int, snapshot: MetricsSnapshot = ScreenSnapshotTests.snapshot) -> String {
        canvas(v, w, h, snapshot: snapshot).text
    }

    @Test func theListAndTheWaterfallAtBothSizes() throws {
        let s = ScreenSnapshotTests()
        var v = ConsoleState.TraceView()
        v.list = 1
        for (w, h) in [(80, 24), (160, 48)] {
            let list = render(v, w, h)
            #expect(list.contains("[slowest 1m]"))
            try s.compare(canvas(v, w, h), "traces-\(w)x\(h).txt")
            var open = v
            open.open = true
            let fall = render(open, w, h)
            #expect(fall.contains("arrives") && fall.contains("answered:"))
            try s.compare(canvas(open, w, h), "waterfall-\(w)x\(h).txt")
        }
    }

    @Test func keysMoveThroughTheTraces() {
        let sim = Simulation(config: SimulationConfig())
        sim.advance(to: SimTime(microseconds: 20_000_000))
        let c = ConsoleController(simulation: sim)
        _ = c.displayed(sim.snapshot())
        c.handle(.character("t"))
        #expect(c.state.traceView == ConsoleState.TraceView())
        c.handle(.tab)
        #expect(c.state.traceView?.list == 1)
        c.handle(.down); c.handle(.down)
        #expect(c.state.traceView?.selected == 2)
        c.handle(.enter)
        #expect(c.state.traceView?.open == true)
        c.handle(.escape)
        #expect(c.state.traceView?.open == false)
        c.handle(.character("v"))
        #expect(c.state.traceView?.workload == .payment && c.state.traceView?.selected == 0)
        c.handle(.escape)
        #expect(c.state.traceView == nil)
        #expect(sim.actions.isEmpty, "looking changes nothing")
    }

    /// Every screen of the trace view, over traces of top-ups with cards:
    /// no run of 13 or more digits (a card number) is ever drawn.
    @Test func noCardNumberIsEverShownWhole() {
        let sim = Simulation(config: SimulationConfig())
        sim.traceSampleEvery = 1
        sim.advance(to: SimTime(microseconds: 15_000_000))
        let snap = sim.snapshot()
        #expect((snap.traces.latest + snap.traces.slowest).contains { $0.card != nil })
        var screens: [String] = []
        for list in 0..<4 {
            for selected in 0..<TraceLists.kept {
                for open in [false, true] {
                    var v = ConsoleState.TraceView()
                    v.list = list; v.selected = selected; v.open = open
                    screens.append(render(v, 160, 48, snapshot: snap))
                }
            }
        }
        let digits = try! Regex("[0-9]{13,}")
        for text in screens { #expect(text.firstMatch(of: digits) == nil, "a long number on screen") }
        #expect(screens.contains { $0.contains("453201******") }, "cards are shown masked")
    }
}
