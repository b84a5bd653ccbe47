import ArgumentParser
import Console
import Foundation
import PaySim
import RedisBackend

/// `payops serve`: one simulation for a team. It runs paced at wall time ×
/// speed with no screen, publishes what the console draws to Redis, and
/// applies the commands attached consoles send, each in its user's name.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve one simulation to consoles on many machines over Redis (a team game day).",
        discussion: """
        Consoles join with 'payops attach --bus redis://USER@HOST:PORT --session NAME'. Each user's \
        commands arrive on their own stream, so Redis' ACL decides who may act (see the README's users.acl). \
        The session ends on q and Enter here, SIGTERM or SIGINT, ':session stop' from a facilitator's console, \
        or at --duration; its keys then expire after --keep-for.
        """
    )

    @OptionGroup var model: ModelOptions

    @Option(help: ArgumentHelp("The Redis the session is published on: redis://[user[:password]@]host:port[/db]; the password may come from PAYOPS_REDIS_PASSWORD.", valueName: "url"))
    var bus: String

    @Option(help: ArgumentHelp("The session's name (letters, digits, '-', '_', '.').", valueName: "name"))
    var session: String

    @Option(help: "Simulated seconds per wall second, 0.1 to 100.")
    var speed: Double = 1

    @Option(help: "Frames published per second, 1 to 30.")
    var fps: Int = 10

    @Option(name: .customLong("slo"), help: ArgumentHelp("A threshold to watch, e.g. 'payment.p99 < 300ms' (repeatable).", valueName: "expr"))
    var slo: [String] = []

    @Option(help: "A drill to follow (see 'payops scenarios') or a scenario file.")
    var scenario: String?

    @Option(help: "End the session after this much simulated time (e.g. 10m); without it, it runs until stopped.")
    var duration: String?

    @Option(name: .customLong("keep-for"), help: "How long the session's keys stay after it ends (wall time, 10s to 7d).")
    var keepFor: String = "1h"

    @Option(help: ArgumentHelp("Record the session to this file (JSON lines) for 'payops replay'; on stop it is finished as a run is and its report printed.", valueName: "file"))
    var record: String?

    @OptionGroup var exportOptions: ExportOptions

    func validate() throws {
        guard speed.isFinite, speed >= 0.1, speed <= 100 else { throw ValidationError("--speed: \(speed) is out of range; expected 0.1 to 100") }
        guard (1...30).contains(fps) else { throw ValidationError("--fps: \(fps) is out of range; expected 1 to 30") }
        if let problem = SessionKeys.problem(with: session) { throw ValidationError("--session '\(InputText.shown(session, limit: 80))': \(problem)") }
    }

    static let keepRange = SimDuration.seconds(10)...SimDuration.seconds(7 * 86_400)

    mutating func run() throws {
        let config = try model.makeConfig()
        let thresholds = try parseThresholds(slo)
        let drill = try scenario.map { try loadScenario($0, shape: PlatformShape(config)) }
        let keep = try parseDuration(keepFor, flag: "--keep-for")
        guard ServeCommand.keepRange.contains(keep) else {
            throw ValidationError("--keep-for: \(keep) is out of range; expected 10s to 7d")
        }
        let length = try duration.map { text -> SimDuration in
            let d = try parseDuration(text, flag: "--duration")
            guard Limits.runDurationMicroseconds.contains(d.microseconds) else {
                throw ValidationError("--duration: \(d) is out of range; expected \(Limits.runDurationMicroseconds.text) of simulated time")
            }
            return d
        }
        let url = try parseBusURL(bus)
        let backends = try model.makeBackends()
        defer { for problem in backends.cleanUp() { printError("payops: \(problem)") } }
        let recorder = try record.map {
            try RecordingWriter(path: $0, header: model.recordingHeader(kind: "serve", thresholds: thresholds, drill: drill.map { ($0.name, $0.text) }))
        }
        let started = ISO8601DateFormatter().string(from: Date())
        let sessionRecord = SessionRecord(
            name: session, seed: config.seed, flags: model.recordedArguments.joined(separator: " "), drill: drill?.name,
            started: started, speed: speed, state: "running", fps: fps, nodes: config.nodes, shards: config.shards,
            heartbeatMillis: wallMillis(), expiresInSeconds: Int(keep.microseconds / 1_000_000))
        let server: SessionServerBus
        do { server = try SessionServerBus(url: url, record: sessionRecord) } catch { throw ValidationError("--bus: \(error)") }

        let sim = Simulation(config: config, cache: backends.cache, log: backends.log)
        if let drill {
            sim.followDrill(drill.scenario, name: drill.name, thresholds: thresholds)
        } else {
            sim.setThresholds(thresholds)
        }
        let exports = try Exports(exportOptions)
        exports.attach(sim, recorder: recorder)
        let earlier = sim.eventObserver
        sim.eventObserver = { e in
            earlier?(e)
            server.event(e)
        }
        let context = model.reportContext(kind: "serve", drill: drill?.name, thresholds: thresholds + (drill?.scenario.thresholds ?? []))
        StopSignals.install()
        printError("payops: serving session '\(session)' on \(url) at ×\(speedText(speed)), \(fps) frames/s; q and Enter (or SIGTERM) ends it")
        var loop = ServeLoop(sim: sim, server: server, speed: speed, fps: fps, length: length)
        loop.onFrame = { exports.publish(sim) }
        let ending = loop.run()
        printError("payops: session '\(session)' ended: \(ending)")
        if recorder != nil || exports.reportPath != nil {
            finishSession(sim, recorder: recorder, exports: exports, context: context)
        } else {
            exports.finish(sim, report: nil, context: context)
        }
        let live = sim.snapshot()
        if !server.end(ending: ending, frame: loop.frame(state: "ended", live: live), flow: live.flow) {
            printError("payops: Redis was away at the end: the session's keys under \(server.keys.prefix) keep no expiry; 'redis-cli --scan --pattern \"\(server.keys.prefix)*\"' lists them")
        } else {
            printError("payops: its keys under \(server.keys.prefix) expire in \(keep)")
        }
        if loop.askedSeconds > 0 {
            printError("payops: on pace: \(String(format: "%.1f", 100 * min(1, loop.simulatedSeconds / loop.askedSeconds)))% (\(String(format: "%.1f", loop.simulatedSeconds)) s simulated of \(String(format: "%.1f", loop.askedSeconds)) s asked)")
        }
        let kb = server.framesPublished > 0 ? Double(server.frameBytes) / Double(server.framesPublished) / 1_024 : 0
        printError("payops: published \(server.framesPublished) frames, \(String(format: "%.1f", kb)) KiB each on average")
    }
}

/// Parses a `--bus` URL; its problems name the flag.
func parseBusURL(_ text: String) throws -> RedisURL {
    do { return try RedisURL.parse(text, environment: ProcessInfo.processInfo.environment) } catch {
        throw ValidationError("--bus '\(InputText.shown(text, limit: 200))': \(error)")
    }
}

/// The server's frame loop: commands, then simulated time, then one frame.
struct ServeLoop {
    let sim: Simulation
    let server: SessionServerBus
    var speed: Double
    let fps: Int
    let length: SimDuration?
    var sequence: Int64 = 0
    var achieved: Double?
    var lastCommandID: String?
    var wasUp = true
    var onFrame: (() -> Void)?
    /// Simulated seconds run, and asked for (wall time × speed), while not paused.
    var simulatedSeconds = 0.0
    var askedSeconds = 0.0

    init(sim: Simulation, server: SessionServerBus, speed: Double, fps: Int, length: SimDuration?) {
        self.sim = sim; self.server = server; self.speed = speed; self.fps = fps; self.length = length
    }

    /// The frame of `live`, the snapshot just taken (its flow is published too: one snapshot a frame).
    func frame(state: String, live: MetricsSnapshot) -> SessionFrame {
        SessionFrame(sequence: sequence, publishedMillis: wallMillis(), speed: speed, achievedSpeed: achieved, state: state,
                     lastCommandID: lastCommandID, eventsLogged: sim.eventsLogged, live: live,
                     withTraces: sequence % Int64(fps * SessionWire.tracesEverySeconds) == 0 || state == "ended")
    }

    /// Runs until the session ends; returns how it ended.
    mutating func run() -> String {
        let clock = ContinuousClock()
        let frameLength = Duration.milliseconds(1_000 / fps)
        var next = clock.now
        var lastTick = clock.now
        var pacer = Pacer(fps: fps)
        var stdinOpen = isatty(0) != 0
        var lastStatus = clock.now
        var typed = ""
        while true {
            let wait = next - clock.now
            if wait > .zero { Thread.sleep(forTimeInterval: wait.inSeconds) }
            let now = clock.now
            next = now - next > frameLength ? now + frameLength : next + frameLength
            let signal = StopSignals.take()
            if signal != 0 { return "stopped by \(signalName(signal))" }
            if stdinOpen, let line = ServeLoop.readStdin(&typed, open: &stdinOpen), line.trimmingCharacters(in: .whitespaces).lowercased() == "q" {
                return "stopped by the server's operator (q)"
            }
            for c in server.readCommands() {
                if let ending = handle(c) { return ending }
            }
            let wallSeconds = (now - lastTick).inSeconds
            lastTick = now
            let running = !sim.paused
            let advanced = pacer.frame(sim, wallSeconds: wallSeconds, speed: speed, deadline: now + frameLength * 0.8,
                                       cap: length?.microseconds ?? .max) { target in
                sim.advance(to: target, eventBudget: 2_000)
                return true
            }
            if running {
                simulatedSeconds += advanced / 1_000_000
                askedSeconds += wallSeconds * speed
            }
            sim.keepBackendsAlive()
            onFrame?()
            achieved = pacer.achieved
            noteBus()
            if now - lastStatus >= .seconds(10) {
                lastStatus = now
                printError("payops: \(status())")
            }
            sequence += 1
            server.updateState(sim.paused ? "paused" : "running", speed: speed)
            let live = sim.snapshot()
            server.publish(frame: frame(state: sim.paused ? "paused" : "running", live: live), flow: live.flow)
            if let length, sim.nowMicros >= length.microseconds { return "reached --duration \(length)" }
        }
    }

    /// One line for the server's terminal every ten seconds.
    func status() -> String {
        let s = sim.snapshot()
        let pace = achieved.map { "×\(String(format: "%.2f", $0)) of ×\(speedText(speed))" } ?? (sim.paused ? "paused" : "×\(speedText(speed))")
        let users = server.record.users.isEmpty ? "no console yet" : "attached: \(server.record.users.joined(separator: ", "))"
        let kb = server.framesPublished > 0 ? String(format: "%.1f KiB", Double(server.frameBytes) / Double(server.framesPublished) / 1_024) : "–"
        return "\(s.time.clockText) \(pace) · offered \(Int(s.totalRates.offered.rounded()))/s goodput \(Int(s.totalRates.goodput.rounded()))/s"
            + " · \(users) · frames \(kb) · bus \(server.isUp ? "up" : "LOST")"
    }

    /// The bus lost and back, in the event log (and what was dropped meanwhile).
    mutating func noteBus() {
        if wasUp && !server.isUp {
            sim.note(.crit, "bus lost: \(server.lostReason ?? "Redis is away"); simulating on, keeping up to \(SessionServerBus.backlogLimit) events for the consoles")
            printError("payops: bus lost: \(server.lostReason ?? "Redis is away"); simulating on and reconnecting")
        }
        if let d = server.takeDropped() {
            sim.note(.warn, "bus back: while Redis was away \(d.frames) frames were not published, \(d.events) events and \(d.answers) answers dropped")
            printError("payops: bus back; \(d.frames) frames not published, \(d.events) events and \(d.answers) answers dropped meanwhile")
        }
        wasUp = server.isUp
    }

    /// Applies one message from a console; returns an ending for a stop.
    mutating func handle(_ c: BusCommand) -> String? {
        lastCommandID = c.id
        switch c.kind {
        case .hello:
            sim.note(.info, "\(c.user) attached (\(c.text))")
            if !server.record.users.contains(c.user) { server.record.users.append(c.user) }
            server.answer(c, applied: true, text: "attached to the session as \(c.user)")
        case .control:
            let words = c.text.split(separator: " ").map(String.init)
            switch words.first {
            case "pause", "resume":
                let command: OperatorCommand = words.first == "pause" ? .pause : .resume
                do {
                    try sim.apply(command)
                    sim.noteAction(command, who: c.user, via: c.via)
                    server.answer(c, applied: true, text: "\(command) (by \(c.user))")
                } catch {
                    server.answer(c, applied: false, text: "\(command): \(error)")
                }
            case "speed":
                guard words.count == 2, let v = Double(words[1].hasPrefix("x") || words[1].hasPrefix("×") ? String(words[1].dropFirst()) : words[1]),
                      v.isFinite, v >= 0.1, v <= 100 else {
                    server.answer(c, applied: false, text: "session speed: expected a number 0.1 to 100, like 'session speed 2'")
                    return nil
                }
                speed = v
                sim.note(.info, "\(c.user) set the session's speed to ×\(speedText(v))")
                server.answer(c, applied: true, text: "speed ×\(speedText(v))")
            case "stop":
                server.answer(c, applied: true, text: "the session is ending")
                return "stopped by \(c.user)"
            default:
                server.answer(c, applied: false, text: "session: unknown control '\(InputText.shown(c.text, limit: 60))'; expected pause, resume, speed N or stop")
            }
        case .command:
            do {
                let command = try CommandParser.parse(c.text, shape: PlatformShape(sim.config))
                if command == .pause || command == .resume {
                    server.answer(c, applied: false, text: "\(command): the session's pause belongs to its facilitator")
                    return nil
                }
                try sim.apply(command)
                sim.noteAction(command, who: c.user, via: c.via)
                server.answer(c, applied: true, text: "\(command) (by \(c.user))")
            } catch {
                server.answer(c, applied: false, text: "\(InputText.shown(c.text, limit: 120)): \(error)")
            }
        }
        return nil
    }

    /// A whole line typed on the server's terminal, if one arrived (no waiting).
    static func readStdin(_ typed: inout String, open: inout Bool) -> String? {
        var p = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = read(0, &buffer, buffer.count)
        guard n > 0 else { open = false; return nil }
        typed += String(decoding: buffer[0..<n], as: UTF8.self)
        guard let nl = typed.firstIndex(of: "\n") else { return nil }
        let line = String(typed[..<nl])
        typed = String(typed[typed.index(after: nl)...])
        return line
    }
}

/// A speed as people write it: 2, 0.5, 2.5.
func speedText(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
