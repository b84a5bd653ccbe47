import Foundation
import Testing
import PaySim
@testable import Console

/// config.toml: keys to any action, layouts per size class, the default
/// theme, fps and speed; every problem at its file:line:column, with only
/// that setting falling back.
@Suite struct ConsoleConfigTests {
    static let good = """
    # mine
    theme = "nord"
    fps = 20
    speed = 2.5

    [keys]
    drain = "D"
    spike = ["x", "space"]
    pause = "P"

    [layout.wide]
    rows = ["flow", "nodes:2 events", "queues shards"]
    heights = [2, 3, 1]

    [layout.narrow]
    rows = ["nodes events", "money"]
    """

    static func config(_ text: String) -> ConsoleConfig {
        var c = ConsoleConfig()
        c.path = "config.toml"
        c.read(text, file: "config.toml")
        return c
    }

    @Test func aGoodFileSetsEverythingItNames() {
        let c = ConsoleConfigTests.config(ConsoleConfigTests.good)
        #expect(c.problems.isEmpty, "\(c.problems)")
        #expect(c.theme.value == "nord" && c.theme.origin == "config.toml:2")
        #expect(c.fps.value == 20 && c.speed.value == 2.5)
        #expect(c.bindings.action(for: .character("D")) == .drain)
        #expect(c.bindings.action(for: .character("d")) == nil, "the default key goes with the rebinding")
        // space was pause's default: it moves to spike, pause keeps P.
        #expect(c.bindings.action(for: .character(" ")) == .spike)
        #expect(c.bindings.action(for: .character("P")) == .pause)
        #expect(c.layouts[.wide]?.rowTexts == ["flow", "nodes:2 events", "queues shards"])
        #expect(c.layouts[.wide]?.rows.map(\.weight) == [2, 3, 1])
        #expect(c.layouts[.narrow]?.rowTexts == ["nodes events", "money"])
        let text = c.describe()
        #expect(text.contains("drain = \"D\""))
        #expect(text.contains("# config.toml:7"))
        #expect(text.contains("recover = \"r\""))
        #expect(text.contains("rows = [\"flow\", \"nodes:2 events\", \"queues shards\"]"))
    }

    @Test func everyProblemIsPositionedAndOnlyItFallsBack() {
        let c = ConsoleConfigTests.config("""
        fps = 500
        speed = "fast"
        colour = 3
        [keys]
        drian = "x"
        drain = "ctrl-q"
        fail = "D"
        recover = "D"
        [layout.wide]
        rows = ["flow", "nodes bogus"]
        [layout.narrow]
        rows = ["nodes", "events"]
        heights = [1, 2, 3]
        theme = nord
        """)
        #expect(Array(c.problems.prefix(7)) == [
            "config.toml:1:7: expected a whole number of frames per second, 1 to 60",
            "config.toml:2:9: expected a speed from 0.1 to 100",
            "config.toml:3:1: unknown setting 'colour'; expected theme, fps, speed, [keys], [layout.narrow], [layout.wide]",
            "config.toml:5:1: unknown action 'drian'; expected one of: \(ConsoleAction.allCases.map(\.rawValue).joined(separator: ", "))",
            "config.toml:6:9: 'ctrl-q' is not a key; expected one printable character or space, enter, tab, backtab, up, down, left, right, home, end, pgup, pgdn",
            "config.toml:8:11: 'D' is already fail's key (config.toml:7); recover keeps its default",
            "config.toml:14:9: expected a value: \"text\", a number, true/false or a one-line [list]",
        ])
        #expect(c.problems.count == 9)
        #expect(c.problems.contains("config.toml:10:24: unknown panel 'bogus'; expected flow, transactions, cache, nodes, queues, shards, money, events, each with an optional :WEIGHT; the built-in wide layout is used"))
        #expect(c.problems.contains("config.toml:13:11: 3 heights for 2 rows; give one a row; the built-in narrow layout is used"))
        // What was good still applies; what was bad is the default.
        #expect(c.fps.value == 10 && c.speed.value == 1)
        #expect(c.bindings.action(for: .character("D")) == .fail)
        #expect(c.bindings.action(for: .character("r")) == .recover)
        #expect(c.layouts.isEmpty)
    }

    @Test func reboundKeysDriveTheController() {
        var cfg = SimulationConfig()
        cfg.baseRateTPS = 0
        let c = ConsoleController(simulation: Simulation(config: cfg))
        ConsoleConfigTests.config(ConsoleConfigTests.good).applyForTest(to: &c.state)
        c.handle(.character("d"))
        #expect(c.simulation!.actions.isEmpty, "d drains no more")
        c.handle(.character("D"))
        #expect(c.simulation!.actions.map(\.command) == ["drain node-1"])
        c.handle(.character(" "))
        #expect(c.simulation!.actions.last?.command.hasPrefix("spike") == true)
        c.handle(.character("P"))
        #expect(c.simulation!.paused)
        // Help shows the keys in force, the rebound ones marked.
        c.handle(.character("?"))
        var screen = Screen(snapshot: c.simulation!.snapshot(), state: c.state, theme: .monochromeBuiltIn, glyphs: .unicode, width: 160, height: 48)
        let text = screen.render().text
        #expect(text.contains("drain the selected node  (config)"))
        #expect(text.contains("D "))
    }

    func render(_ text: String, _ w: Int, _ h: Int, help: Bool = false) -> Canvas {
        var state = ConsoleState()
        ConsoleConfigTests.config(text).applyForTest(to: &state)
        if help { state.mode = .help }
        var screen = Screen(snapshot: ScreenSnapshotTests.snapshot, state: state, theme: .monochromeBuiltIn, glyphs: .unicode, width: w, height: h)
        return screen.render()
    }

    @Test func customLayoutsAndHelpAtBothSizes() throws {
        let snapshots = ScreenSnapshotTests()
        let wide = render(ConsoleConfigTests.good, 160, 48)
        try snapshots.compare(wide, "config-layout-160x48.txt")
        #expect(wide.text.contains("┌ Flow") && wide.text.contains("┌ Nodes") && wide.text.contains("┌ Events"))
        #expect(!wide.text.contains("┌ Transactions") && !wide.text.contains("┌ Cache"), "panels left out are not drawn")
        let narrow = render(ConsoleConfigTests.good, 80, 24)
        try snapshots.compare(narrow, "config-layout-80x24.txt")
        #expect(narrow.text.contains("┌ Money") && !narrow.text.contains("┌ Queues"))
        try snapshots.compare(render(ConsoleConfigTests.good, 160, 48, help: true), "help-rebound-160x48.txt")
        let small = render(ConsoleConfigTests.good, 80, 24, help: true)
        try snapshots.compare(small, "help-rebound-80x24.txt")
        #expect(small.text.contains("Help 1/"), "pages when the list is taller than the screen")
        // Footer hints follow the rebinding.
        #expect(narrow.text.split(separator: "\n").last?.contains("D drain") == true)
    }
}

extension ConsoleConfig {
    /// As the console applies it at startup.
    func applyForTest(to state: inout ConsoleState) {
        state.bindings = bindings
        state.layouts = layouts
    }
}
