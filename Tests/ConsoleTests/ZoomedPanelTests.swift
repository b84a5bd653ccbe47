import Foundation
import PaySim
import Testing
@testable import Console

/// Zoomed panels: each in its widest form on the whole screen.
@Suite struct ZoomedPanelTests {
    func render(_ panel: ConsoleState.Panel, _ w: Int, _ h: Int, scroll: Int = 0, snapshot: MetricsSnapshot = ScreenSnapshotTests.snapshot) -> Canvas {
        var state = ConsoleState()
        state.focus = panel
        state.zoomed = true
        state.eventScroll = scroll
        var screen = Screen(snapshot: snapshot, state: state, theme: .monochromeBuiltIn, glyphs: .unicode, width: w, height: h)
        return screen.render()
    }

    @Test(arguments: [(80, 24), (160, 48)])
    func nodesQueuesAndEventsZoomed(_ w: Int, _ h: Int) throws {
        for panel in [ConsoleState.Panel.nodes, .queues, .events] {
            try ScreenSnapshotTests().compare(render(panel, w, h), "zoomed-\(panel)-\(w)x\(h).txt")
        }
    }

    @Test func nodesZoomedShowTheRunsTotalsAndWholeStates() {
        let text = render(.nodes, 160, 48).text
        for title in ["requests", "errors", "refused", "opens"] { #expect(text.contains(title), "\(title)") }
        #expect(text.contains("drained") && !text.contains("…"))
    }

    @Test func queuesZoomedShowTheLagOfEachPartition() {
        let text = render(.queues, 160, 48).text
        #expect(text.contains("redeliv"))
        #expect(text.split(separator: "\n").filter { $0.contains("partitions p0 ") }.count == ScreenSnapshotTests.snapshot.queues.count)
    }

    @Test func theZoomedEventLogWrapsLongLinesAndScrolls() {
        var snap = ScreenSnapshotTests.snapshot
        let long = String(repeating: "a long event message ", count: 12)
        snap.events = (0..<120).map { SimLogEntry(time: SimTime(microseconds: Int64($0) * 1_000_000), severity: .info, message: $0 == 119 ? long : "event \($0)") }
        let newest = render(.events, 80, 24, snapshot: snap).text
        // The long message is whole, over several lines.
        #expect(newest.components(separatedBy: "a long event message").count - 1 == 12)
        #expect(newest.contains("120 kept · newest"))
        let back = render(.events, 80, 24, scroll: 30, snapshot: snap).text
        #expect(back.contains("30 lines back"))
        #expect(!back.contains("a long event message"))
        #expect(back.contains("event 9") )
        // The keys: ↑ and PgUp go back, End returns to the newest.
        let c = ConsoleController(simulation: Simulation(config: SimulationConfig()))
        c.state.focus = .events
        c.state.zoomed = true
        c.handle(.up)
        c.handle(.pageUp)
        #expect(c.state.eventScroll == 11)
        c.handle(.down)
        #expect(c.state.eventScroll == 10)
        c.handle(.end)
        #expect(c.state.eventScroll == 0)
        #expect(c.state.selectedNode == 0, "the arrows scroll the log, not the node selection")
    }
}
