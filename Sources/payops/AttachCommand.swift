import ArgumentParser
import Console
import Foundation
import PaySim
import RedisBackend

/// `payops attach`: the full console on a session another machine serves.
struct AttachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Attach a console to a shared session ('payops serve') over Redis.",
        discussion: """
        Keys and ':' commands go to the server on this user's command stream and are applied in this user's name. \
        When Redis refuses the user a command stream the console watches only (observer). Pause, speed and \
        ':session stop' belong to the facilitator. q leaves; the session runs on.
        """
    )

    @Option(help: ArgumentHelp("The session's Redis: redis://user[:password]@host:port[/db]; the user is who you act as. The password may come from PAYOPS_REDIS_PASSWORD.", valueName: "url"))
    var bus: String

    @Option(help: ArgumentHelp("The session's name (see 'payops sessions').", valueName: "name"))
    var session: String

    @Option(help: "A theme name (see 'payops themes') or a path to a .toml theme file.")
    var theme: String?

    @Option(help: "Frames per second, 1 to 60.")
    var fps: Int = 10

    @Flag(name: .customLong("read-only"), help: "Watch only: keys and commands that would change the platform are refused here, whatever Redis allows.")
    var readOnly = false

    @Flag(help: "Read and decode the session without a screen, then print what arrived as JSON (load tests).")
    var headless = false

    @Option(help: "--headless: stop after this much wall time (e.g. 60s); without it, at the session's end.")
    var duration: String?

    @Option(name: .customLong("probe-every"), help: "--headless: send a harmless command (the base rate, alternately +1) this often (e.g. 2s), to measure command-to-screen latency.")
    var probeEvery: String?

    func validate() throws {
        guard (1...60).contains(fps) else { throw ValidationError("--fps: \(fps) is out of range; expected 1 to 60") }
        if let problem = SessionKeys.problem(with: session) { throw ValidationError("--session '\(InputText.shown(session, limit: 80))': \(problem)") }
        if !headless && (duration != nil || probeEvery != nil) { throw ValidationError("--duration and --probe-every go with --headless") }
    }

    mutating func run() throws {
        let url = try parseBusURL(bus)
        let wallLimit = try duration.map { try parseDuration($0, flag: "--duration") }
        let probe = try probeEvery.map { try parseDuration($0, flag: "--probe-every") }
        if let p = probe, p < .milliseconds(100) { throw ValidationError("--probe-every: \(p) is too short; expected at least 100ms") }
        let client: SessionClient
        do { client = try SessionClient(url: url, session: session) } catch { throw ValidationError("--bus: \(error)") }
        let link = AttachedSession(client: client)
        // The first frame before anything is drawn: a server gone is one line.
        let clock = ContinuousClock()
        let waitUntil = clock.now + .seconds(5)
        while !client.poll() {
            guard clock.now < waitUntil else {
                throw ValidationError("--session '\(session)': no frame from its server in 5 s (state \(client.record.state)); is 'payops serve' running?")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        client.hello(role: headless ? "headless" : "console")
        if headless {
            let stats = HeadlessAttach(client: client, fps: fps, limit: wallLimit, probe: probe).run()
            print(stats)
            return
        }
        let settings = ConsoleConfig.load()
        let (chosen, warning) = try chooseTheme(theme, config: settings)
        guard NCursesTerminal.isInteractive else {
            throw ValidationError("the console needs a terminal; for no screen use --headless")
        }
        let (terminal, glyphs) = try openTerminal(theme: chosen)
        var state = ConsoleState(speed: client.record.speed)
        state.readOnly = readOnly
        settings.apply(to: &state, warning: nil)
        state.notice = state.notice ?? warning.map { ($0, .warn) }
            ?? (client.observer ? ("observer: Redis gives user '\(client.user)' no command stream; you watch", .warn)
                                : ("attached to '\(session)' as \(client.user); q leaves, the session runs on", .info))
        let controller = ConsoleController(remote: link, state: state)
        let app = ConsoleApp(controller: controller, terminal: terminal, theme: chosen, glyphs: glyphs, fps: fps)
        app.run()
        printError("payops: left session '\(session)'; \(client.framesReceived) frames received, \(client.framesSkipped) skipped")
    }
}

/// The console's view of a `SessionClient`.
final class AttachedSession: RemoteSession {
    let client: SessionClient
    var lastFrameAt = ContinuousClock.now
    init(client: SessionClient) { self.client = client }

    func poll() -> Bool {
        let fresh = client.poll()
        if fresh { lastFrameAt = .now }
        return fresh
    }
    var snapshot: MetricsSnapshot? { client.snapshot }
    var shape: PlatformShape { client.record.shape }
    var user: String { client.user }
    var sessionName: String { client.keys.name }
    var observer: Bool { client.observer }
    var ended: Bool { client.record.state == "ended" || client.frame?.state == "ended" }
    func send(_ text: String, via: String, control: Bool) -> String? {
        if ended { return "the session has ended" }
        switch client.send(text, via: via, control: control) {
        case .success: return nil
        case .failure(let e): return e.description
        }
    }
    func takeAnswers() -> [(applied: Bool, text: String)] { client.takeAnswers().map { ($0.applied, $0.text) } }
    var speed: Double { client.frame?.speed ?? client.record.speed }
    var achievedSpeed: Double? { client.frame?.achievedSpeed }
    var status: (text: String, severity: Severity) {
        if !client.isUp { return ("bus lost, reconnecting", .crit) }
        if ended { return ("session \(client.keys.name) ended\(client.record.ending.map { ": \($0)" } ?? "")", .warn) }
        let quiet = (ContinuousClock.now - lastFrameAt).inSeconds
        if quiet > 3 { return ("no frames from the server for \(Int(quiet))s", .warn) }
        let skipped = client.framesSkipped > 0 ? " skipped \(client.framesSkipped)" : ""
        return ("● \(client.user)@\(client.keys.name) lag \(client.lagMillis)ms\(skipped)", .info)
    }
}

/// A console without a screen: reads and decodes every frame it is given,
/// as a console would, and measures what it got.
struct HeadlessAttach {
    let client: SessionClient
    let fps: Int
    let limit: SimDuration?
    let probe: SimDuration?

    struct Stats: Encodable {
        var user: String
        var seconds: Double
        var frames: Int
        var skipped: Int
        var bytes: Int
        var bytes_per_second: Double
        var lag_ms_p50: Double
        var lag_ms_p99: Double
        /// Wall ms from a command's arrival at Redis to the first frame showing it applied.
        var visible_ms_p50: Double?
        var visible_ms_p99: Double?
        var visible_ms_max: Double?
        var commands_seen: Int
        var probes_sent: Int
        var reconnects: Int
        var ended: Bool
    }

    func run() -> String {
        let clock = ContinuousClock()
        let start = clock.now
        // Twice the server's frame rate: a console reading at the rate it is
        // published would miss a frame whenever the two clocks drift past each other.
        let frame = Duration.milliseconds(1_000 / (2 * max(fps, client.record.fps)))
        var next = start
        var lags: [Double] = [], visible: [Double] = []
        var lastSeen = client.frame?.lastCommandID
        var nextProbe = probe.map { start + .microseconds($0.microseconds) }
        var probes = 0, up = false
        let startBytes = client.bytesReceived, startFrames = client.framesReceived, startSkipped = client.framesSkipped
        StopSignals.install()
        while client.frame?.state != "ended" {
            let now = clock.now
            if let limit, now - start >= .microseconds(limit.microseconds) { break }
            if StopSignals.take() != 0 { break }
            if client.poll(), let f = client.frame {
                lags.append(Double(client.lagMillis))
                if let id = f.lastCommandID, id != lastSeen, let sent = streamIDMillis(id) {
                    visible.append(Double(max(0, wallMillis() - sent)))
                    lastSeen = id
                }
                if f.state == "ended" { break }
            }
            if let p = nextProbe, now >= p, let s = client.snapshot {
                let rate = Int(s.baseRateTPS)
                _ = client.send("rate \(up ? rate - 1 : rate + 1)", via: "probe")
                up.toggle()
                probes += 1
                nextProbe = p + .microseconds(probe!.microseconds)
            }
            next = next + frame
            let wait = next - clock.now
            if wait > .zero { Thread.sleep(forTimeInterval: wait.inSeconds) } else { next = clock.now }
        }
        let seconds = (clock.now - start).inSeconds
        func pct(_ v: [Double], _ p: Double) -> Double? {
            guard !v.isEmpty else { return nil }
            let s = v.sorted()
            return s[min(s.count - 1, Int(Double(s.count - 1) * p))]
        }
        let bytes = client.bytesReceived - startBytes
        let stats = Stats(user: client.user, seconds: seconds, frames: client.framesReceived - startFrames,
                          skipped: client.framesSkipped - startSkipped, bytes: bytes,
                          bytes_per_second: seconds > 0 ? Double(bytes) / seconds : 0,
                          lag_ms_p50: pct(lags, 0.5) ?? 0, lag_ms_p99: pct(lags, 0.99) ?? 0,
                          visible_ms_p50: pct(visible, 0.5), visible_ms_p99: pct(visible, 0.99), visible_ms_max: visible.max(),
                          commands_seen: visible.count, probes_sent: probes, reconnects: client.reconnects,
                          ended: client.record.state == "ended" || client.frame?.state == "ended")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(stats)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// `payops sessions URL`: the shared sessions a Redis server holds.
struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sessions", abstract: "List the shared sessions on a Redis server.")

    @Argument(help: ArgumentHelp("The Redis: redis://[user[:password]@]host:port[/db].", valueName: "url"))
    var bus: String

    @Flag(help: "Print JSON, one object a session.")
    var json = false

    func run() throws {
        let url = try parseBusURL(bus)
        let records: [SessionRecord]
        do { records = try SessionClient.list(url: url) } catch { throw ValidationError("\(error)") }
        let now = wallMillis()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for r in records { print(String(decoding: try encoder.encode(r), as: UTF8.self)) }
            return
        }
        guard !records.isEmpty else {
            print("no sessions on \(url); 'payops serve --bus \(url) --session NAME' starts one")
            return
        }
        let rows = records.map { r -> [String] in
            let state = r.isStale(nowMillis: now) ? "gone (no heartbeat for \((now - r.heartbeatMillis) / 1_000)s)" : r.state
            return [InputText.shown(r.name, limit: 64), state, r.started, "×\(speedText(r.speed))", r.drill.map { InputText.shown($0, limit: 40) } ?? "–",
                    "\(r.seed)", "\(r.nodes)n/\(r.shards)s", r.version == SessionWire.version ? "v\(r.version)" : "v\(r.version) (incompatible)",
                    r.users.isEmpty ? "–" : InputText.shown(r.users.joined(separator: ","), limit: 120)]
        }
        let header = ["SESSION", "STATE", "STARTED", "SPEED", "DRILL", "SEED", "SHAPE", "WIRE", "CONSOLES"]
        let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
        for row in [header] + rows {
            print(row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces))
        }
    }
}
