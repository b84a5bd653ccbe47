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
        #expect(text.contains("Flow all . 1m . ascii"))
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

    /// The console keeps the chart across frames: every frame drawn through
    /// the cache equals one drawn afresh, as seconds close, the range,
    /// workload and symbols change, a threshold is set and the size changes;
    /// frames within a second reuse it.
    @Test func theCachedChartIsTheChartDrawnAfresh() throws {
        let sim = Simulation(config: SimulationConfig())
        sim.advance(to: SimTime(microseconds: 20_000_000))
        let cache = FlowChartCache()
        var state = ConsoleState()
        var size = (160, 48)
        for frame in 0..<60 {
            switch frame {
            case 10: state.flowRange = 1
            case 16: state.flowWorkload = .topup
            case 22: state.graphSymbols = .block
            case 28: sim.setThresholds([try SLOThreshold.parse("topup.p99 < 900ms", groups: Simulation.groupNames)])
            case 34: size = (120, 36)
            case 40: state.graphSymbols = .ascii; state.flowRange = 2
            case 46: state.flowWorkload = nil
            default: break
            }
            sim.advance(to: SimTime(microseconds: sim.now.microseconds + 250_000))
            let snap = sim.snapshot()
            var fresh = Screen(snapshot: snap, state: state, theme: .monochromeBuiltIn, glyphs: .unicode, width: size.0, height: size.1)
            var cached = fresh
            cached.flowCache = cache
            #expect(cached.render() == fresh.render(), "frame \(frame)")
        }
        // 15 s of frames: a new chart a second and one per change, the rest reused.
        #expect(cache.misses >= 15 && cache.misses <= 30, "\(cache.misses) charts drawn")
        #expect(cache.hits >= 30)
    }
}
