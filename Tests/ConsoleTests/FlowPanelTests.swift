import Foundation
import PaySim
import Testing
@testable import Console

/// The flow panel in its three kinds of symbols, with the p99 line and its
/// threshold when one is watched.
@Suite struct FlowPanelTests {
    /// 90 s in, a spike on, payment p99 watched against 50 ms.
    static let snapshot: MetricsSnapshot = {
        let sim = Simulation(config: SimulationConfig())
        sim.setThresholds([try! SLOThreshold.parse("payment.p99 < 50ms", groups: Simulation.groupNames)])
        sim.advance(to: SimTime(microseconds: 60_000_000))
        try! sim.apply(.spike(factor: 3, duration: .seconds(20), workload: .payment))
        sim.advance(to: SimTime(microseconds: 90_000_000))
        return sim.snapshot()
    }()

    func render(_ symbols: ConsoleState.GraphSymbols, glyphs: Glyphs = .unicode, workload: Workload? = nil, _ w: Int = 160, _ h: Int = 48) -> Canvas {
        var state = ConsoleState()
        state.graphSymbols = symbols
        state.flowWorkload = workload
        var screen = Screen(snapshot: FlowPanelTests.snapshot, state: state, theme: .monochromeBuiltIn, glyphs: glyphs, width: w, height: h)
        return screen.render()
    }

    @Test(arguments: ConsoleState.GraphSymbols.allCases)
    func eachKindOfSymbolsAt160x48(_ symbols: ConsoleState.GraphSymbols) throws {
        let canvas = render(symbols)
        try ScreenSnapshotTests().compare(canvas, "flow-\(symbols.rawValue)-160x48.txt")
        let text = canvas.text
        // The p99 line of the watched workload, on its own axis, and the threshold's line.
        #expect(text.contains("payment p99 ms"))
        #expect(text.contains("payment.p99 < 50ms"))
        #expect(text.contains("100ms") || text.contains("50ms"))
        let plot = text.split(separator: "\n").dropFirst(4).prefix(16).joined()
        switch symbols {
        case .braille: #expect(plot.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })
        case .block: #expect(plot.contains("█")); #expect(text.contains("Flow all · 1m · block"))
        case .ascii: #expect(plot.contains("#")); #expect(plot.contains("-")); #expect(!plot.unicodeScalars.contains { (0x2800...0x28FF).contains($0.value) })
        }
    }

    @Test func aCLocaleDrawsASCIIWhateverIsChosen() {
        let text = render(.block, glyphs: .ascii).text
        #expect(text.allSatisfy { $0.isASCII })
        #expect(text.contains("Flow all ? 1m ? ascii"))
    }

    @Test func oneWorkloadShowsItsOwnP99WithoutAThreshold() {
        let text = render(.braille, workload: .trade).text
        #expect(text.contains("trade p99 ms"))
        #expect(!text.contains("payment.p99 < 50ms"))
    }

    @Test func theKeyCyclesTheSymbols() {
        let c = ConsoleController(simulation: Simulation(config: SimulationConfig()))
        #expect(c.state.graphSymbols == .braille)
        c.handle(.character("g"))
        #expect(c.state.graphSymbols == .block)
        c.handle(.character("g"))
        #expect(c.state.graphSymbols == .ascii)
        c.handle(.character("g"))
        #expect(c.state.graphSymbols == .braille)
    }
}
