import ArgumentParser
import Foundation
import PaySim

/// What a session writes besides its report: the events as they happen, the
/// per-second series, the after-action report.
struct ExportOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Write every event and operator action as it happens, one JSON object a line (flushed per line, so tail -f works).", valueName: "file.jsonl"))
    var events: String?

    @Option(help: ArgumentHelp("Write the per-second series as CSV: one row a simulated second, a header naming each column with its unit.", valueName: "file.csv"))
    var series: String?

    @Option(help: ArgumentHelp("Write the after-action report: one self-contained HTML file with charts, tables and the verdict.", valueName: "file.html"))
    var report: String?

    var any: Bool { events != nil || series != nil || report != nil }
}

/// The open export files of one session.
final class Exports {
    let eventsFile: LineFile?
    let seriesFile: LineFile?
    let reportPath: String?
    /// The latest events, for the report (the simulation keeps fewer).
    private(set) var reportEvents: [SimLogEntry] = []

    /// Opens (creates or empties) every file asked for; one that cannot be
    /// written is a usage error now, before the session.
    init(_ options: ExportOptions) throws {
        eventsFile = try options.events.map { try LineFile(path: $0, flag: "--events") }
        seriesFile = try options.series.map { try LineFile(path: $0, flag: "--series") }
        if let path = options.report {
            // Made now, so a path that cannot be written is found before the run.
            _ = try LineFile(path: path, flag: "--report")
        }
        reportPath = options.report
    }

    /// Hooks the session's simulation: events and actions to the events
    /// file, rows to the series file, and series kept for the report.
    /// `recorder` also hears of every action.
    func attach(_ sim: Simulation, recorder: RecordingWriter?) {
        let events = eventsFile
        sim.actionObserver = { a in
            recorder?.record(a)
            events?.write(Exports.actionLine(a))
        }
        let keep = reportPath != nil
        if events != nil || keep {
            sim.eventObserver = { [weak self] e in
                events?.write(Exports.eventLine(e))
                guard keep, let self else { return }
                self.reportEvents.append(e)
                if self.reportEvents.count >= 2 * HTMLReport.eventRows { self.reportEvents.removeFirst(HTMLReport.eventRows) }
            }
        }
        if seriesFile != nil || reportPath != nil {
            let csv = seriesFile
            let columns = sim.seriesColumns
            csv?.write("time_s,span_s," + columns.map { "\($0.name)_\($0.unit)" }.joined(separator: ","))
            sim.keepSeries(onRow: csv.map { file in { time, span, row in file.write(Exports.csvRow(time, span, row, columns)) } })
        }
    }

    /// Stops listening and writes the report, when one was asked for.
    func finish(_ sim: Simulation, report: RunReport?, context: ReportContext) {
        sim.eventObserver = nil
        sim.actionObserver = nil
        eventsFile?.close()
        seriesFile?.close()
        guard let path = reportPath, let report, let series = sim.series else { return }
        let html = HTMLReport(report: report, series: series, events: reportEvents, eventsTotal: sim.eventsLogged, context: context).render()
        do {
            try html.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            printError("payops: --report: cannot write '\(InputText.shown(path, limit: 200))': \(error.localizedDescription)")
        }
    }

    static func number(_ v: Double, decimals: Int) -> String {
        guard v.isFinite else { return "" }
        if decimals == 0 { return String(Int64(v.rounded())) }
        return String(format: "%.\(decimals)f", v)
    }

    static func csvRow(_ time: Double, _ span: Double, _ row: [Double], _ columns: [RunSeries.Column]) -> String {
        var out = number(time, decimals: 6) + "," + number(span, decimals: 6)
        for (v, c) in zip(row, columns) {
            out += ","
            switch c.unit {
            case "state": out += v.isFinite ? RunSeries.stateCodes[Int(v)].rawValue : ""
            case "ms": out += number(v, decimals: 3)
            case "ratio": out += number(v, decimals: 4)
            default: out += number(v, decimals: 0)
            }
        }
        return out
    }

    struct EventLine: Encodable {
        var type = "event"
        var at_s: Double
        var severity: String
        var message: String
    }

    struct ActionLine: Encodable {
        var type = "action"
        var at_s: Double
        var who: String
        var origin: String
        var via: String
        var command: String
    }

    static func eventLine(_ e: SimLogEntry) -> String {
        String(decoding: Recording.encode(EventLine(at_s: e.time.seconds, severity: "\(e.severity)", message: e.message)), as: UTF8.self)
    }

    static func actionLine(_ a: OperatorAction) -> String {
        String(decoding: Recording.encode(ActionLine(at_s: a.at.seconds, who: a.who, origin: a.via.hasPrefix("drill") ? "drill" : a.via,
                                                     via: a.via, command: a.command)), as: UTF8.self)
    }
}

/// A file written a line at a time, each line straight to the file.
final class LineFile {
    let path: String
    let handle: FileHandle
    private(set) var failure: String?

    init(path: String, flag: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw ValidationError("\(flag): cannot write '\(InputText.shown(path, limit: 200))': \(String(cString: strerror(errno)))")
        }
        handle = h
    }

    func write(_ line: String) {
        guard failure == nil else { return }
        do { try handle.write(contentsOf: Data((line + "\n").utf8)) } catch {
            failure = error.localizedDescription
            printError("payops: writing '\(InputText.shown(path, limit: 200))' failed: \(error.localizedDescription); the file stops here")
        }
    }

    func close() { try? handle.close() }
}

extension ModelOptions {
    /// The backends as the report's summary names them.
    var backendsText: String {
        "cache \(cache == nil ? "embedded" : "on Redis"), message log \(queue == nil ? "embedded" : "on Redis")"
    }

    func reportContext(kind: String, drill: String?, thresholds: [SLOThreshold]) -> ReportContext {
        ReportContext(kind: kind, model: recordedArguments, backends: backendsText, drill: drill, thresholds: thresholds,
                      started: ISO8601DateFormatter().string(from: Date()))
    }
}
