import Foundation
import Testing
import TestSupport
@testable import PaySim

/// The drill library: the compiled-in copies are `Scenarios/`, every drill
/// says what it is, parses against the default platform, and runs to the end
/// with the books closed (or, for 3PC's split brain, with the divergence it
/// exists to show).
@Suite struct DrillTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scenarios").path

    /// A drift fails here, and PAYOPS_UPDATE_SNAPSHOTS=1 rewrites the compiled-in copies.
    @Test func theCompiledInDrillsAreTheShippedFiles() throws {
        let source = URL(fileURLWithPath: Self.folder).deletingLastPathComponent().appendingPathComponent("Sources/PaySim/Control/ShippedDrills.swift").path
        let shipped = try CompiledInCopies(
            folder: Self.folder, suffix: ".scenario", order: <, source: source,
            header: ["The shipped drills, compiled in so a copied binary has them.",
                     "Generated from Scenarios/*.scenario, which stay the source: DrillTests",
                     "fails when they differ, and rewrites this file with PAYOPS_UPDATE_SNAPSHOTS=1."],
            enumName: "ShippedDrills", doc: "File name (without `.scenario`) and contents, by name.")
        #expect(ShippedDrills.files.map(\.name) == shipped.names)
        for (embedded, text) in zip(ShippedDrills.files, shipped.texts) {
            #expect(embedded.text == text, "\(embedded.name): Scenarios/ and the binary differ; run the tests with PAYOPS_UPDATE_SNAPSHOTS=1")
        }
    }

    @Test func theLibraryHasTenDrillsEachWithADescriptionAndThresholds() throws {
        let drills = DrillCatalog(userDirectory: nil).entries()
        #expect(drills.count >= 10)
        for d in drills {
            #expect(d.origin == "shipped")
            #expect(d.description.count > 20 && !d.description.hasSuffix(","), "\(d.name): '\(d.description)'")
            #expect(d.text.contains("Symptoms:") && d.text.contains("Held:"), "\(d.name) says what to expect and what held means")
            let s = try Scenario.parse(d.text, file: d.path, shape: PlatformShape(SimulationConfig()))
            #expect(!s.steps.isEmpty && !s.thresholds.isEmpty, "\(d.name)")
        }
    }

    @Test func namesResolveUserDrillsFirstAndPathsAreFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("payops-drills-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "# Mine: a drill of my own.\nat 1s cache flush\n".write(toFile: dir + "/mine.scenario", atomically: true, encoding: .utf8)
        try "# Mine: my own Black Friday.\nat 1s rate 10\n".write(toFile: dir + "/black-friday.scenario", atomically: true, encoding: .utf8)
        let catalog = DrillCatalog(userDirectory: dir)
        #expect(try catalog.resolve("mine").origin == "user")
        #expect(try catalog.resolve("black-friday").description == "Mine: my own Black Friday.")
        #expect(try catalog.resolve("gray-failure").origin == "shipped")
        #expect(try catalog.resolve(dir + "/mine.scenario").origin == "file")
        #expect(throws: DrillCatalog.LookupError.self) { try catalog.resolve("no-such-drill") }
        do {
            _ = try catalog.resolve("no-such-drill")
        } catch {
            #expect(error.description.hasPrefix("no drill named 'no-such-drill'; the drills are 3pc-split-brain, black-friday,"))
        }
    }

    /// A followed drill runs each step at its time as an event of the run,
    /// marks it in the event log apart from the operator's actions, and
    /// watches its thresholds with any given beside them.
    @Test func aFollowedDrillRunsItsStepsAtTheirTimes() throws {
        let drill = try Scenario.parse("""
            slo reconciliation.breaks == 0
            at 2s drain node-2
            at 2s until 4s gateway down
            at 9s recover node-2
            """, file: "d.scenario")
        let sim = Simulation(config: SimulationConfig())
        sim.followDrill(drill, name: "d", thresholds: [try SLOThreshold.parse("error_rate < 50%", groups: Simulation.groupNames)])
        #expect(sim.thresholdStatuses.map(\.threshold.description) == ["error_rate < 50%", "reconciliation.breaks == 0"])
        #expect(sim.snapshot().drill == MetricsSnapshot.DrillStatus(name: "d", done: 0, total: 4, nextAt: .seconds(2), next: "drain node-2"))
        sim.advance(to: SimTime(microseconds: 5_000_000))
        #expect(sim.snapshot().drill?.done == 3)
        #expect(sim.snapshot().drill?.next == "recover node-2")
        try sim.apply(.cacheFlush)
        sim.advance(to: SimTime(microseconds: 10_000_000))
        let drillLines = sim.events.entries.filter { $0.message.hasPrefix("drill ▲ ") }
        #expect(drillLines.map(\.message) == ["drill ▲ drain node-2", "drill ▲ gateway down", "drill ▲ gateway up", "drill ▲ recover node-2"])
        #expect(drillLines.map { $0.time.microseconds } == [2_000_000, 2_000_000, 4_000_000, 9_000_000])
        #expect(!sim.events.entries.contains { $0.message == "drill ▲ cache flush" }, "the operator's own action is not the drill's")
        #expect(sim.snapshot().drill?.next == nil)
        #expect(sim.actions.map { "\($0.who) \($0.via): \($0.command)" } == [
            "drill drill line 2: drain node-2", "drill drill line 3: gateway down", "drill drill line 3: gateway up", "drill drill line 4: recover node-2",
        ])
    }

    /// Each drill for its last step plus two minutes, then drained and audited.
    @Test(.tags(.slow), arguments: ShippedDrills.files.map(\.name))
    func runsToTheEndWithTheBooksClosed(_ name: String) throws {
        let entry = try DrillCatalog(userDirectory: nil).resolve(name)
        let config = SimulationConfig()
        let drill = try Scenario.parse(entry.text, file: entry.path, shape: PlatformShape(config))
        let length = SimDuration(microseconds: (drill.steps.last?.at.microseconds ?? 0) + 120_000_000)
        let sim = Simulation(config: config)
        sim.setThresholds(drill.thresholds)
        let refused = sim.runHeadless(duration: length, commands: drill.steps.map { ($0.at, $0.command) })
        #expect(refused.isEmpty, "\(name): \(refused)")
        #expect(sim.isQuiescent, "\(name) drains")
        let report = RunReport(snapshot: sim.snapshot(), config: config, duration: length)
        if name == "3pc-split-brain" {
            #expect(report.reconciliation.breaks > 0 || !report.ledger.balanced, "the split decides both ways")
        } else {
            #expect(report.ledger.balanced, "\(name): \(report.ledger.violations.prefix(3))")
            #expect(report.reconciliation.breaks == 0, "\(name): \(report.reconciliation.break_list.prefix(3))")
        }
    }
}
