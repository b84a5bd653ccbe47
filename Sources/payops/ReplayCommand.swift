import ArgumentParser
import Console
import Foundation
import PaySim

/// `payops replay FILE`: a recorded session run again, exactly.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run a recorded session (--record FILE) again and print its report, check it, watch it, or turn it into a drill.",
        discussion: """
        The replay makes the same run: the header's flags and drill, each recorded action at \
        the exact point of the run where it was applied, and the same ending. Its report is \
        the recorded one, byte for byte, when the same payops release replays it. Sessions \
        recorded with the cache or message log on Redis replay on the embedded ones.
        """
    )

    @Argument(help: ArgumentHelp("A recording written by --record.", valueName: "file"))
    var file: String

    @Flag(help: "Compare the replay's report with the recorded one: exit 0 when they match, 1 with the first difference.")
    var check = false

    @Flag(help: "Replay on the console screen (space pauses, < and > change the speed, q quits).")
    var console = false

    @Flag(name: .customLong("to-scenario"), help: "Print the session as a drill file: its thresholds and every action at its time.")
    var toScenario = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var exportOptions: ExportOptions

    @Option(help: "With --console: simulated seconds per wall second, 0.1 to 100.")
    var speed: Double = 1

    @Option(help: "With --console: a theme name or a .toml theme file.")
    var theme: String?

    func validate() throws {
        if [check, console, toScenario].filter({ $0 }).count > 1 {
            throw ValidationError("--check, --console and --to-scenario: choose one")
        }
        guard speed.isFinite, speed >= 0.1, speed <= 100 else { throw ValidationError("--speed: \(speed) is out of range; expected 0.1 to 100") }
    }

    mutating func run() throws {
        let recording = try Recording.load(path: file)
        let header = recording.header
        let shown = InputText.shown(file, limit: 200)
        if toScenario {
            print(ReplayCommand.scenarioText(recording, file: file), terminator: "")
            return
        }
        if header.payops != PayopsCommand.version {
            printError("payops: \(shown): recorded by payops \(InputText.shown(header.payops, limit: 40)); this is \(PayopsCommand.version), whose engine may make a different run")
        }
        let redis = [("cache", header.cache), ("message log", header.queue)].filter { $0.1 == "redis" }.map(\.0)
        if !redis.isEmpty {
            printError("payops: \(shown): recorded with the \(redis.joined(separator: " and ")) on Redis; replayed on the embedded \(redis.count == 1 ? "one" : "ones"), so figures that depend on \(redis.count == 1 ? "it" : "them") may differ")
        }
        let model: ModelOptions
        let config: SimulationConfig
        do {
            model = try ModelOptions.parse(header.model)
            config = try model.makeConfig()
        } catch {
            throw ValidationError("\(shown):1: the recorded model flags: \(ModelOptions.message(for: error))")
        }
        let thresholds: [SLOThreshold]
        do { thresholds = try parseThresholds(header.thresholds) } catch { throw ValidationError("\(shown):1: \(error)") }
        let drill: Scenario?
        do {
            drill = try header.drill.map { try Scenario.parse($0.text, file: "\(file):1: drill \($0.name)", shape: PlatformShape(config)) }
        } catch {
            throw ValidationError("\(error)")
        }
        let duration: SimDuration
        if let d = header.duration {
            do { duration = try SimDuration.parse(d) } catch { throw ValidationError("\(shown):1: duration: \(error)") }
        } else {
            duration = SimDuration(microseconds: recording.end.at_us)
        }
        if check && recording.report == nil {
            throw ValidationError("\(shown):\(recording.endLine): the session was interrupted and left no report, so there is nothing to check against")
        }

        let exports = try Exports(exportOptions)
        let context = ReportContext(kind: "replay of \(header.kind) recorded \(header.started)", model: header.model,
                                    backends: "cache embedded, message log embedded", drill: header.drill?.name,
                                    thresholds: thresholds + (drill?.thresholds ?? []), started: ISO8601DateFormatter().string(from: Date()))
        let sim = Simulation(config: config)
        exports.attach(sim, recorder: nil)
        if let drill, let name = header.drill?.name {
            sim.followDrill(drill, name: name, thresholds: thresholds)
        } else {
            sim.setThresholds(thresholds)
        }
        let end = recording.end
        let driver = ReplayDriver(simulation: sim, actions: recording.actions,
                                  end: (SimTime(microseconds: end.at_us), end.event, recording.endLine), onScreen: console)
        if console {
            guard try replayOnScreen(driver, exports: exports) else {
                exports.finish(sim, report: nil, context: context)
                return
            }
        } else {
            do {
                // A second at a time, so a metrics endpoint follows the replay.
                while driver.playing {
                    driver.advance(to: SimTime(microseconds: min(driver.end.at.microseconds, sim.nowMicros / 1_000_000 * 1_000_000 + 1_000_000)))
                    exports.publish(sim)
                }
                try driver.playToEnd()
            } catch {
                let text = "\(shown):\(error.line): \(error.message)"
                if check { print("replay differs from the recording: \(text)") } else { printError("payops: \(text)") }
                throw ExitCode(1)
            }
        }
        // The session's ending, made again.
        var breachedAt: SimTime?
        switch end.ending {
        case .arrivalsEnded:
            let abort = header.abort_on_breach
            sim.finishRun(shouldStop: {
                if abort && breachedAt == nil && sim.anyThresholdBreached { breachedAt = sim.now }
                return breachedAt != nil
            })
        case .stoppedOnBreach:
            breachedAt = sim.now
        case .interrupted:
            printError("payops: \(shown): the session was interrupted at \(sim.now.clockText); this is the report of the run as it stood, before any drain or audit")
        }
        let report = sim.report(duration: duration, breachedAt: breachedAt)
        exports.finish(sim, report: report, context: context)
        if check {
            let replayed = try JSONSerialization.jsonObject(with: Recording.encode(report))
            if let difference = Recording.firstDifference(recorded: recording.report!, replayed: replayed) {
                print("replay differs from the recording: \(difference)")
                throw ExitCode(1)
            }
            print("replay matches the recording: the same report (\(recording.actions.count) action\(recording.actions.count == 1 ? "" : "s"), ended at \(sim.now.clockText) after \(Money.grouped(sim.processedEvents)) events)")
            return
        }
        try printReport(report, json: json)
        try exitForVerdict(report)
    }

    /// The replay on the console screen; true when it reached the recording's
    /// end, so its report follows.
    func replayOnScreen(_ driver: ReplayDriver, exports: Exports) throws -> Bool {
        let settings = ConsoleConfig.load()
        let chosen = try chooseTheme(theme, config: settings).theme
        guard NCursesTerminal.isInteractive else {
            throw ValidationError("--console: the console needs a terminal; without --console the replay runs headless")
        }
        let (terminal, glyphs) = try openTerminal(theme: chosen)
        var state = ConsoleState(speed: speed)
        settings.apply(to: &state, warning: nil)
        state.replay = (0, driver.actions.count, driver.end.at, false)
        state.notice = ("replaying \(InputText.shown(file, limit: 80)): space pauses, < > change speed, q quits", .info)
        let controller = ConsoleController(simulation: driver.simulation, state: state)
        controller.replay = driver
        let app = ConsoleApp(controller: controller, terminal: terminal, theme: chosen, glyphs: glyphs, fps: 10)
        app.onFrame = { exports.publish(driver.simulation) }
        app.run()
        if let d = driver.divergence {
            printError("payops: \(InputText.shown(file, limit: 200)):\(d.line): \(d.message)")
            throw ExitCode(1)
        }
        guard driver.reachedEnd else {
            printError("payops: replay left at \(driver.simulation.now.clockText) of \(driver.end.at.clockText); no report")
            return false
        }
        return true
    }

    /// The session as a drill file: its thresholds as `slo` lines, then each
    /// action at its exact time, with who did it and how in a comment.
    static func scenarioText(_ r: Recording.Loaded, file: String) -> String {
        let h = r.header
        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var out = "# Recorded \(h.kind) session \(InputText.shown(name, limit: 80)), \(h.started)\(h.drill.map { ", following the drill \($0.name)" } ?? "")\n"
        let duration = h.duration ?? "\(SimDuration(microseconds: r.end.at_us))"
        out += "# Run it again: payops run \(h.model.joined(separator: " ")) --duration \(duration) --scenario \(name).scenario\n"
        var slo = h.thresholds
        if let text = h.drill?.text, let drill = try? Scenario.parse(text, file: "drill") {
            slo += drill.thresholds.map(\.description)
        }
        if !slo.isEmpty { out += "# Held: \(slo.count == 1 ? "this threshold holds" : "these thresholds hold").\n" }
        for s in slo { out += "slo \(s)\n" }
        for a in r.actions {
            let at = "at \(SimDuration(microseconds: a.at.microseconds))"
            let origin = a.fromDrill ? "the drill, \(a.via)" : "\(a.who), \(a.via)"
            if a.command == .pause || a.command == .resume {
                // The console's clock: a drill on the console can pause it, a headless run has none.
                out += "# \(at) \(a.command)   (\(origin); the console's clock, left out so 'payops run' takes the file)\n"
            } else {
                out += "\(at) \(a.command)   # \(origin)\n"
            }
        }
        out += "# ended at \(SimTime(microseconds: r.end.at_us).clockText) (\(r.end.ending.rawValue))\n"
        return out
    }
}
