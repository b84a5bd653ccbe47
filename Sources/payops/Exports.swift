import ArgumentParser
import Foundation
import Console
import MetricsEndpoint
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

    @Option(name: .customLong("metrics-listen"), help: ArgumentHelp("Serve live metrics at http://HOST:PORT/metrics in the Prometheus text format (e.g. 127.0.0.1:9464; port 0 picks one).", valueName: "host:port"))
    var metricsListen: String?

    @Option(name: .customLong("metrics-linger"), help: ArgumentHelp("After the session, keep serving its final figures this long (wall time), so a scraper sees them, e.g. 15s.", valueName: "duration"))
    var metricsLinger: String?

    func validate() throws {
        if metricsLinger != nil && metricsListen == nil { throw ValidationError("--metrics-linger: it needs --metrics-listen") }
        if let l = metricsLinger {
            let d = try parseDuration(l, flag: "--metrics-linger")
            guard d.microseconds <= 3_600_000_000 else { throw ValidationError("--metrics-linger: \(d) is out of range; expected up to 1h of wall time") }
        }
    }
}

/// The open export files of one session.
final class Exports {
    let eventsFile: LineFile?
    let seriesFile: LineFile?
    let reportPath: String?
    let endpoint: MetricsEndpoint?
    let linger: SimDuration
    private var lastPublished: (sim: Int64, wall: ContinuousClock.Instant)?
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
        linger = try options.metricsLinger.map { try parseDuration($0, flag: "--metrics-linger") } ?? .zero
        do {
            endpoint = try options.metricsListen.map { try MetricsEndpoint(listen: $0) }
        } catch {
            throw ValidationError("--metrics-listen: \(error)")
        }
        if let endpoint { printError("payops: metrics at http://\(endpoint.address)/metrics") }
    }

    /// Takes the session's figures into the metrics endpoint: at most once
    /// a simulated second, or a wall second while the clock stands (a
    /// paused console), unless `force`.
    func publish(_ sim: Simulation, force: Bool = false) {
        guard let endpoint else { return }
        let wall = ContinuousClock.now
        if !force, let last = lastPublished,
           sim.nowMicros / 1_000_000 == last.sim / 1_000_000 && (wall - last.wall) < .seconds(1) { return }
        lastPublished = (sim.nowMicros, wall)
        endpoint.update(sim.metricsSample())
    }

    /// Hooks the session's simulation: events and actions to the events
    /// file, rows to the series file, and series kept for the report.
    /// `recorder` also hears of every action.
    func attach(_ sim: Simulation, recorder: RecordingWriter?) {
        let events = eventsFile
        if let endpoint {
            sim.committedLatencyObserver = { w, us in endpoint.observeCommitted(w, microseconds: us) }
            publish(sim, force: true)
        }
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
        sim.committedLatencyObserver = nil
        eventsFile?.close()
        seriesFile?.close()
        writeReport(sim, report: report, context: context)
        if let endpoint {
            publish(sim, force: true)
            if linger.microseconds > 0 {
                printError("payops: serving the final figures at http://\(endpoint.address)/metrics for \(linger)")
                let until = ContinuousClock.now + .microseconds(linger.microseconds)
                // Ctrl-C ends the wait early.
                while ContinuousClock.now < until && StopSignals.take() == 0 { Thread.sleep(forTimeInterval: 0.1) }
            }
            endpoint.stop()
        }
    }

    func writeReport(_ sim: Simulation, report: RunReport?, context: ReportContext) {
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
        String(decoding: Recording.encode(ActionLine(at_s: a.at.seconds, who: a.who, origin: a.origin,
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

    func write(_ line: String) { write(Data(line.utf8)) }

    func write(_ line: Data) {
        guard failure == nil else { return }
        do { try handle.write(contentsOf: line + Data("\n".utf8)) } catch {
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
