import ArgumentParser
import Foundation
import PaySim

/// `payops scenarios`: the drills, shipped and the operator's own.
struct ScenariosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenarios",
        abstract: "List the drills: name, length, description and where each comes from."
    )

    mutating func run() throws {
        let catalog = DrillCatalog.standard(environment: ProcessInfo.processInfo.environment)
        let rows = catalog.entries().map { e -> [String] in
            let length: String
            do {
                let s = try Scenario.parse(e.text, file: e.path)
                length = s.steps.last.map { "\($0.at)" } ?? "–"
            } catch {
                length = "invalid"
            }
            return [e.name, length, e.description, e.origin == "user" ? e.path : e.origin]
        }
        let widths = (0..<3).map { c in rows.map { $0[c].count }.max() ?? 0 }
        print(ReportFormatter.pad("drill", widths[0]) + "  " + ReportFormatter.pad("last step", max(9, widths[1])) + "  description")
        for r in rows {
            print(ReportFormatter.pad(r[0], widths[0]) + "  " + ReportFormatter.pad(r[1], max(9, widths[1])) + "  " + r[2] + " (\(r[3]))")
        }
        if let dir = catalog.userDirectory {
            print("\nyour own: \(dir)/NAME.scenario; run one with 'payops run --scenario NAME' (a path works too)")
        }
    }
}
