import Foundation
import PaySim
import Testing
@testable import Console

/// The Timeline strip: what a drill did and does next, the faults in force
/// with the time left, thresholds ✓/✗, the operator's own actions apart.
@Suite struct TimelineStripTests {
    /// 70 s into a drill: the gateway slow since 1m until 2m, node-2 drained
    /// by the drill, the operator's spike, the crash of shard-3 to come.
    static let snapshot: MetricsSnapshot = {
        var c = SimulationConfig()
        c.baseRateTPS = 300
        let sim = Simulation(config: c)
        let drill = try! Scenario.parse("""
            slo error_rate < 50%
            slo payment.p99 < 1us
            at 30s drain node-2
            at 1m until 2m gateway slow 5x
            at 3m crash shard-3
            """, file: "t.scenario")
        sim.followDrill(drill, name: "t")
        sim.advance(to: SimTime(microseconds: 65_000_000))
        try! sim.apply(.spike(factor: 2, duration: .seconds(20), workload: .payment))
        sim.noteAction(.spike(factor: 2, duration: .seconds(20), workload: .payment), who: "ana", via: "key")
        sim.advance(to: SimTime(microseconds: 70_000_000))
        return sim.snapshot()
    }()

    @Test func theModelListsThePastTheFaultsInForceAndTheNextSteps() throws {
        let t = try #require(TimelineStripTests.snapshot.timeline)
        #expect(t.recent.map(\.text) == ["drain node-2", "gateway slow 5x", "spike 2x for 20s payment"])
        #expect(t.recent.map(\.byDrill) == [true, true, false])
        #expect(t.recent.last?.who == "ana")
        // The drill's end of the brownout is a step too; it comes first.
        #expect(t.next.map(\.text) == ["gateway slow 1x", "crash shard-3"])
        #expect(t.next.map(\.at.microseconds) == [120_000_000, 180_000_000])
        let faults = Dictionary(uniqueKeysWithValues: t.faults.map { ($0.text, $0.remaining) })
        #expect(faults["spike ×2 payment"] == .some(.seconds(15)))
        #expect(faults["gateway slow ×5"] == .some(.seconds(50)))
        #expect(faults["node-2 drained"] == .some(nil))
        #expect(t.faults.count == 3)
    }

    func render(_ w: Int, _ h: Int) -> String {
        var screen = Screen(snapshot: TimelineStripTests.snapshot, state: ConsoleState(), theme: .monochromeBuiltIn, glyphs: .unicode, width: w, height: h)
        return screen.render().text
    }

    @Test func twoRowsOnATallScreen() {
        let rows = render(160, 48).split(separator: "\n", omittingEmptySubsequences: false)
        // The oldest of the past gives way first.
        #expect(rows[1].hasPrefix(" timeline │ ▲ 01:00 gateway slow 5x │ ● 01:05 spike 2x for 20s payment (ana) │ now 01:10 │ ▲ 02:00 gateway slow 1x │ ▲ 03:00 crash shard-3"), "\(rows[1])")
        #expect(rows[2].contains("in force │ ⚠ spike ×2 payment 15s left │ ⚠ gateway slow ×5 50s left │ ⚠ node-2 drained"), "\(rows[2])")
        #expect(rows[2].contains("thresholds │ ✓ error_rate │ ✗ payment.p99"), "\(rows[2])")
        // The panels start below the strip.
        #expect(rows[3].hasPrefix("┌ Flow"))
    }

    @Test func oneRowOnAMediumScreenWithTheMostImportantFirst() {
        let rows = render(100, 32).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows[1].hasPrefix(" timeline │"), "\(rows[1])")
        // The breached threshold and the first fault are kept before the past.
        #expect(rows[1].contains("✗ payment.p99"), "\(rows[1])")
        #expect(rows[1].contains("⚠ spike ×2 payment 15s left"), "\(rows[1])")
        #expect(rows[2].hasPrefix("┌ Transactions"))
    }

    @Test func onAShortScreenItTakesTheFooterAndNoPanelLosesARow() {
        let rows = render(80, 24).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows[1].hasPrefix("┌ Transactions"))
        #expect(rows[23].hasPrefix(" timeline │ now 01:10"), "\(rows[23])")
        #expect(rows.contains { $0.contains("node-6") })
    }

    @Test func withoutADrillOrThresholdsThereIsNoStrip() {
        var screen = Screen(snapshot: Simulation(config: SimulationConfig()).snapshot(), state: ConsoleState(), theme: .monochromeBuiltIn, glyphs: .unicode, width: 160, height: 48)
        let text = screen.render().text
        #expect(!text.contains("timeline"))
    }
}
