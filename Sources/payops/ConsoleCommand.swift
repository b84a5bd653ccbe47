import ArgumentParser
import Console
import Foundation
import PaySim

/// `payops` / `payops console`: the live operations screen.
struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Open the live console on the embedded simulation (the default)."
    )

    @OptionGroup var model: ModelOptions

    @Option(help: "A theme name (see 'payops themes') or a path to a .toml theme file.")
    var theme: String?

    @Option(help: "Simulated seconds per wall second, 0.1 to 100 (default: the config file's speed, or 1).")
    var speed: Double?

    @Option(help: "Frames per second, 1 to 60 (default: the config file's fps, or 10).")
    var fps: Int?

    @Flag(name: .customLong("read-only"), help: "Observer mode: watch without changing the platform; keys and commands that would change it are refused.")
    var readOnly = false

    @Option(name: .customLong("slo"), help: ArgumentHelp("A threshold to watch, e.g. 'payment.p99 < 300ms' (repeatable); each shows ✓ or ✗ and its breaches go to the event log.", valueName: "expr"))
    var slo: [String] = []

    @Option(help: "A drill to follow (see 'payops scenarios') or a scenario file: its steps run at their simulated times and its thresholds are watched.")
    var scenario: String?

    @Option(help: ArgumentHelp("Record the session to this file (JSON lines) for 'payops replay'; on quit the session is finished as a run is and its report printed.", valueName: "file"))
    var record: String?

    @OptionGroup var exportOptions: ExportOptions

    @Option(name: .customLong("frame-stats"), help: "On exit, write frame build-and-flush times (count, mean, p50, p99, max) to this file.")
    var frameStats: String?

    func validate() throws {
        if let speed { guard speed.isFinite, speed >= 0.1, speed <= 100 else { throw ValidationError("--speed: \(speed) is out of range; expected 0.1 to 100") } }
        if let fps { guard (1...60).contains(fps) else { throw ValidationError("--fps: \(fps) is out of range; expected 1 to 60") } }
        // Found out now, not after a session: the file can be created where asked.
        if let path = frameStats {
            guard FileManager.default.createFile(atPath: path, contents: Data()) else {
                throw ValidationError("--frame-stats: cannot write '\(InputText.shown(path, limit: 200))': \(String(cString: strerror(errno)))")
            }
        }
    }

    mutating func run() throws {
        let config = try model.makeConfig()
        let thresholds = try parseThresholds(slo)
        let drill = try scenario.map { try loadScenario($0, shape: PlatformShape(config)) }
        let settings = ConsoleConfig.load()
        let (chosen, warning) = try chooseTheme(theme, config: settings)
        guard NCursesTerminal.isInteractive else {
            throw ValidationError("the console needs a terminal; for a headless run use 'payops run'")
        }
        // Connected before the screen opens: an unreachable server is one line and exit 2.
        let backends = try model.makeBackends()
        defer { for problem in backends.cleanUp() { printError("payops: \(problem)") } }
        let recorder = try record.map {
            try RecordingWriter(path: $0, header: model.recordingHeader(kind: "console", thresholds: thresholds, drill: drill.map { ($0.name, $0.text) }))
        }
        let exports = try Exports(exportOptions)
        let context = model.reportContext(kind: "console", drill: drill?.name, thresholds: thresholds + (drill?.scenario.thresholds ?? []))
        let (terminal, glyphs) = try openTerminal(theme: chosen)
        let sim = Simulation(config: config, cache: backends.cache, log: backends.log)
        if let drill {
            sim.followDrill(drill.scenario, name: drill.name, thresholds: thresholds)
        } else {
            sim.setThresholds(thresholds)
        }
        exports.attach(sim, recorder: recorder)
        var state = ConsoleState(speed: speed ?? settings.speed.value)
        state.readOnly = readOnly
        settings.apply(to: &state, warning: warning)
        let app = ConsoleApp(controller: ConsoleController(simulation: sim, state: state), terminal: terminal,
                             theme: chosen, glyphs: glyphs, fps: fps ?? settings.fps.value)
        app.onFrame = { exports.publish(sim) }
        app.run()
        if recorder != nil || exports.reportPath != nil {
            finishSession(sim, recorder: recorder, exports: exports, context: context)
        } else {
            exports.finish(sim, report: nil, context: context)
        }
        if let path = frameStats {
            do { try (app.frameSummary + "\n").write(toFile: path, atomically: true, encoding: .utf8) } catch {
                throw ValidationError("--frame-stats: cannot write '\(path)': \(error.localizedDescription)")
            }
        }
    }
}

/// The theme `--theme` names, else the config file's, else the startup
/// one, with any warning about it. A config file's theme that cannot be
/// used falls back with a warning; a bad `--theme` is an error.
func chooseTheme(_ name: String?, config: ConsoleConfig = ConsoleConfig()) throws -> (theme: Theme, warning: String?) {
    let catalog = ThemeCatalog.standard()
    if let name {
        switch catalog.resolve(name) {
        case .success(let t): return (t, nil)
        case .failure(let e): throw ValidationError("--theme: \(e)")
        }
    }
    if let configured = config.theme.value {
        switch catalog.resolve(configured) {
        case .success(let t): return (t, nil)
        case .failure(let e):
            let (t, w) = catalog.startupTheme()
            return (t, "\(config.theme.origin): theme: \(e); using \(t.name)" + (w.map { "; \($0)" } ?? ""))
        }
    }
    return catalog.startupTheme()
}

extension ConsoleConfig {
    /// The file's keys and layouts into the console; its first problem
    /// (or `warning`) as the opening notice, so a fallback is seen.
    func apply(to state: inout ConsoleState, warning: String?) {
        state.bindings = bindings
        state.layouts = layouts
        if var first = problems.first {
            // The footer has room for the position and the start of the message, not a long path.
            if let path { first = first.replacingOccurrences(of: InputText.shown(path, limit: 200), with: "payops/config.toml") }
            state.notice = (problems.count == 1 ? first : "\(first) (+\(problems.count - 1) more: payops config)", .warn)
        } else if let warning {
            state.notice = (warning, .warn)
        }
    }
}

/// `payops config`: the console settings in effect and where each came from.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the console's configuration in effect (config.toml, or defaults), each value with its origin.")

    func run() throws {
        let config = ConsoleConfig.load()
        print(config.describe())
        for p in config.problems { printError("payops: \(p)") }
        if !config.problems.isEmpty { throw ExitCode(1) }
    }
}

/// Opens the screen (the locale first, `NO_COLOR` honoured); the glyphs are
/// the ones the locale can draw.
func openTerminal(theme: Theme) throws -> (terminal: NCursesTerminal, glyphs: Glyphs) {
    let codeset = NCursesTerminal.prepareLocale()
    let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    do {
        return (try NCursesTerminal(theme: theme, noColor: noColor), Glyphs.forLocale(codeset: codeset))
    } catch {
        throw ValidationError("\(error)")
    }
}

/// A recorded console session, or one asked for a report, ends as a run
/// does: arrivals stop where the operator quit, work in flight finishes, the
/// full audit runs; the report goes into the recording, the after-action
/// report and to stdout.
func finishSession(_ sim: Simulation, recorder: RecordingWriter?, exports: Exports, context: ReportContext) {
    sim.actionObserver = nil
    let end = (at: sim.now, event: sim.processedEvents)
    printError("payops: finishing the session at \(end.at.clockText) for its report: arrivals stop, work in flight completes, then the audit")
    sim.finishRun()
    let report = sim.report(duration: SimDuration(microseconds: end.at.microseconds))
    recorder?.finish(at: end.at, event: end.event, ending: .arrivalsEnded, report: report)
    exports.finish(sim, report: report, context: context)
    print(ReportFormatter.text(report))
    if let recorder {
        printError("payops: recorded to \(InputText.shown(recorder.path, limit: 200)); 'payops replay \(InputText.shown(recorder.path, limit: 200)) --check' runs it again")
    }
}

/// `payops themes`: every theme and where it came from.
struct ThemesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "themes", abstract: "List the colour themes and where each comes from.")

    func run() throws {
        let catalog = ThemeCatalog.standard()
        let entries = catalog.entries()
        if entries.isEmpty { print("no theme files found; the built-in monochrome theme is used") }
        let width = max(12, entries.map(\.name.count).max() ?? 0)
        // Names, paths and descriptions come from files anyone may write:
        // shown with control characters escaped, so none reaches the terminal.
        for e in entries {
            let name = InputText.shown(e.name, limit: 40).padding(toLength: width, withPad: " ", startingAt: 0)
            let origin = e.origin.padding(toLength: 8, withPad: " ", startingAt: 0)
            let path = InputText.shown(e.path, limit: 200)
            switch e.result {
            case .success(let t): print("\(name)  \(origin)  \(path)  \(InputText.shown(t.description, limit: 120))")
            case .failure(let err):
                print("\(name)  \(origin)  \(path)  BROKEN: \(err.line == 0 ? "" : "\(err.line):\(err.column): ")\(err.message)")
            }
        }
        print("user themes: \(InputText.shown(catalog.userDirectory, limit: 200))")
    }
}
