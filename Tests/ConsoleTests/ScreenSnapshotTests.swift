import Foundation
import Testing
import PaySim
@testable import Console

/// Whole-screen snapshots from a fixed seed and simulated time. A change
/// to what the screen shows fails here; after checking the new screen by
/// eye, regenerate with PAYOPS_UPDATE_SNAPSHOTS=1 swift test --filter ScreenSnapshot.
@Suite struct ScreenSnapshotTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    /// 75 s in: node-3 drained, node-2 failed and marked down, a spike on.
    /// Simulated once; every test renders the same value.
    static let snapshot: MetricsSnapshot = {
        let sim = Simulation(config: SimulationConfig())
        sim.advance(to: SimTime(microseconds: 60_000_000))
        try! sim.apply(.drainNode(2))
        try! sim.apply(.failNode(1))
        try! sim.apply(.spike(factor: 5, duration: .seconds(30), workload: nil))
        sim.advance(to: SimTime(microseconds: 75_000_000))
        return sim.snapshot()
    }()

    func render(_ w: Int, _ h: Int, state: ConsoleState = ConsoleState(), glyphs: Glyphs = .unicode) -> Canvas {
        var screen = Screen(snapshot: ScreenSnapshotTests.snapshot, state: state, theme: .monochromeBuiltIn, glyphs: glyphs, width: w, height: h)
        return screen.render()
    }

    /// A controller over a fresh platform, for driving keys.
    func controller() -> ConsoleController {
        var c = SimulationConfig()
        c.baseRateTPS = 0
        return ConsoleController(simulation: Simulation(config: c))
    }

    func compare(_ canvas: Canvas, _ name: String) throws {
        let url = ScreenSnapshotTests.directory.appendingPathComponent(name)
        let text = canvas.text + "\n"
        if ProcessInfo.processInfo.environment["PAYOPS_UPDATE_SNAPSHOTS"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        if text != expected {
            let a = text.split(separator: "\n", omittingEmptySubsequences: false), b = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
            Issue.record("screen differs from \(name) at row \(first?.offset ?? min(a.count, b.count)):\n got: \(first?.element.0 ?? "")\nwant: \(first?.element.1 ?? "")")
        }
    }

    @Test func wholeScreenAt80x24() throws {
        let canvas = render(80, 24)
        try compare(canvas, "screen-80x24.txt")
        // Every panel is there, even at the smallest size.
        for title in ["Transactions", "Cache", "Nodes", "Queues", "Shards", "Events"] { #expect(canvas.text.contains("┌ \(title) ")) }
    }

    @Test func wholeScreenAt160x48() throws {
        let canvas = render(160, 48)
        try compare(canvas, "screen-160x48.txt")
        // Wider screens get more columns.
        for column in ["offered", "goodput", "shed", " err ", " decl ", "doubt", "503/s", "cpu", "gateway", "checks", "commit p99", "in/out"] {
            #expect(canvas.text.contains(column), "\(column)")
        }
    }

    /// A full node: slots full and a queue behind them. The cell must show
    /// the whole queue (+128), never a cut number, at any panel width.
    @Test func aFullNodeShowsItsWholeQueue() throws {
        let sim = Simulation(config: SimulationConfig())
        try sim.apply(.rate(tps: 20_000, workload: nil))
        sim.advance(to: SimTime(microseconds: 5_000_000))
        let snap = sim.snapshot()
        let full = try #require(snap.nodes.first { $0.queued == 128 && $0.inFlight == $0.capacity })
        for (w, h) in [(80, 24), (120, 36), (160, 48)] {
            var screen = Screen(snapshot: snap, state: ConsoleState(), theme: .monochromeBuiltIn, glyphs: .unicode, width: w, height: h)
            let text = screen.render().text
            #expect(text.contains("\(full.inFlight)/\(full.capacity)+128"), "at \(w)x\(h)")
        }
    }

    @Test func asciiFallbackAt80x24() throws {
        let canvas = render(80, 24, glyphs: .ascii)
        try compare(canvas, "screen-80x24-ascii.txt")
        #expect(canvas.text.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test(arguments: [(79, 24), (80, 23), (40, 10), (1, 1), (0, 0)])
    func tooSmallSaysCurrentAndNeededSize(w: Int, h: Int) throws {
        let canvas = render(w, h)
        if w >= 24 {
            #expect(canvas.text.contains("Terminal too small"))
            #expect(canvas.text.contains("have \(w)×\(h), need 80×24"))
        }
        #expect(!canvas.text.contains("Transactions"))
    }

    @Test func everyFigureIsTheModels() throws {
        let s = ScreenSnapshotTests.snapshot
        let text = render(160, 48).text
        #expect(text.contains(s.time.clockText))
        #expect(text.contains("node-2  ✖ down"))
        #expect(text.contains("node-3  ◐ drained"))
        #expect(text.contains("spike ×5"))
        #expect(text.contains(Format.percent(s.cache.hitRate)))
        for q in s.queues { #expect(text.contains(q.group)) }
        for e in s.events.suffix(5) { #expect(text.contains(String(e.message.prefix(40)))) }
    }

    @Test func helpOverlayListsTheKeys() throws {
        var state = ConsoleState()
        state.mode = .help
        let text = render(120, 34, state: state).text
        for line in ["this help", "drain the selected node", "fail the selected node", "flush the cache", "filter the event log",
                     "flow chart over 1 min", "focus the next panel", "zoom the focused panel", "trace one transaction"] {
            #expect(text.contains(line), "\(line)")
        }
        // The next page: the command language, a form and an example a line.
        state.helpPage = 1
        let commands = render(120, 34, state: state).text
        #expect(commands.contains("partition MEMBERS") && commands.contains("e.g. crash shard-2"))
    }

    @Test func promptErrorMarksTheColumn() throws {
        let c = controller()
        for k in [KeyEvent.character(":")] + "drain nod-3".map(KeyEvent.character) + [.enter] { c.handle(k) }
        let canvas = render(100, 30, state: c.state)
        #expect(canvas.row(29).hasPrefix(":drain nod-3"))
        let errorRow = canvas.row(28)
        // "nod-3" starts at column 7 of the command; the prompt's ':' takes cell 0.
        #expect(Array(errorRow)[7] == "^")
        #expect(errorRow.contains("column 7: expected a node like node-3, found 'nod-3'"))
    }

    /// A message longer than the line after the caret is wrapped above it,
    /// whole, at every width; the caret stays under its column.
    @Test(arguments: [80, 120, 160])
    func aLongPromptErrorIsShownWhole(width: Int) throws {
        let c = controller()
        for k in [KeyEvent.character(":")] + "explode node-9".map(KeyEvent.character) + [.enter] { c.handle(k) }
        let error = try #require(c.state.promptError)
        let canvas = render(width, 30, state: c.state)
        #expect(Array(canvas.row(28))[1] == "^", "the caret under column 1")
        let above = (24...27).map { canvas.row($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shown = above.joined(separator: " ")
        #expect(shown.contains("column 1: \(error.message)") || shown.hasSuffix("…"), "\(above)")
        #expect(shown.contains("unknown command 'explode'"))
    }

    @Test func wrapKeepsWordsAndEndsACutOneWithAnEllipsis() {
        #expect(Screen.wrap("aa bb cc", width: 5, maxLines: 3) == ["aa bb", "cc"])
        #expect(Screen.wrap("aaaaaaa", width: 3, maxLines: 3) == ["aaa", "aaa", "a"])
        #expect(Screen.wrap("aa bb cc dd", width: 5, maxLines: 1) == ["aa b…"])
        #expect(Screen.wrap("", width: 5, maxLines: 2) == [])
    }

    @Test func readOnlyIsMarkedInTheHeaderAtEverySize() throws {
        var state = ConsoleState()
        state.readOnly = true
        for (w, h) in [(80, 24), (160, 48)] {
            #expect(render(w, h, state: state).row(0).contains("READ-ONLY"), "\(w)×\(h)")
        }
    }

    /// The flow chart takes the top of a tall screen, labelled, in braille
    /// or ASCII; at 80×24 it folds away and every other panel stays.
    @Test func theFlowChartIsOnTallScreensOnly() throws {
        let tall = render(160, 48)
        #expect(tall.row(1).contains("Flow all · 1m"))
        #expect(tall.text.contains("offered") && tall.text.contains("goodput") && tall.text.contains("failed") && tall.text.contains("now"))
        #expect(tall.text.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }, "braille dots")
        let ascii = render(160, 48, glyphs: .ascii)
        #expect(ascii.text.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(ascii.text.contains("# goodput"))
        let small = render(80, 24).text
        #expect(!small.contains("Flow "))
        for panel in ["Transactions", "Nodes", "Queues", "Cache", "Shards", "Money", "Events"] { #expect(small.contains(panel)) }
    }

    /// A zoomed panel has the whole body; the focused one's title is in reverse.
    @Test func aZoomedPanelTakesTheScreenAndTheFocusedTitleStandsOut() throws {
        var state = ConsoleState()
        state.focus = .nodes
        let normal = render(160, 48, state: state)
        let row = try #require((0..<48).first { normal.row($0).contains("┌ Nodes") })
        let x = Array(normal.row(row)).firstIndex(of: "N")!
        #expect(normal[x, row].style.reverse, "the focused title is shown in reverse")
        state.zoomed = true
        for (w, h) in [(80, 24), (160, 48)] {
            let zoomed = render(w, h, state: state)
            #expect(zoomed.row(1).hasPrefix("┌ Nodes"))
            #expect(!zoomed.text.contains("┌ Cache") && !zoomed.text.contains("┌ Transactions"))
            for n in 1...6 { #expect(zoomed.text.contains("node-\(n)")) }
        }
        #expect(render(160, 48, state: state).text.contains("checks"), "zoomed, every column")
    }

    @Test func filterNarrowsTheEventLog() throws {
        let c = controller()
        for k in [KeyEvent.character("/")] + "ejected".map(KeyEvent.character) + [.enter] { c.handle(k) }
        let text = render(160, 48, state: c.state).text
        #expect(text.contains("Events /ejected"))
        #expect(!text.contains("drained: nothing in flight"))
    }
}
