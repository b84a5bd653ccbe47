import PaySim

/// The frame loop: keys, then simulated time, then one frame. Simulated
/// time follows wall time × speed; each frame gives the engine a slice of
/// the frame's time, and when that is not enough simulated time falls
/// behind (the header says by how much) while keys and frames keep their
/// pace. A key is answered with a fresh frame at once.
public final class ConsoleApp {
    public let controller: ConsoleController
    let terminal: TerminalBackend
    let theme: Theme
    let glyphs: Glyphs
    let fps: Int
    /// Share of a frame the engine may use.
    static let engineShare = 0.5
    /// Time to build and to show each recent frame, in seconds (bounded).
    public private(set) var frameSeconds: [Double] = []
    /// Called once a frame after the engine has advanced (the metrics endpoint's update).
    public var onFrame: (() -> Void)?
    public private(set) var buildSeconds: [Double] = []
    public private(set) var flushSeconds: [Double] = []
    static let frameHistory = 100_000
    /// Frames built and shown, and frame times that found nothing new to show.
    public private(set) var framesDrawn = 0
    public private(set) var framesSkipped = 0
    /// What the last frame was drawn from, beyond the keys (which always
    /// draw): a frame whose inputs are the same is not built again, so a
    /// paused console, or an attached one between frames, costs nothing.
    struct FrameInputs: Equatable {
        var events: Int64 = -1
        var micros: Int64 = -1
        var remoteFrames = 0
        var achieved: Double?
        var notice: String?
        var session: String?
        var speed: Double = 0
        var replayApplied: Int?
    }
    var drawnFrom: FrameInputs?
    let flowCache = FlowChartCache()
    var remoteFrames = 0

    /// Times in seconds as the frame figures give them: count, mean, p50,
    /// p99 and max (nil with none).
    public struct TimeSummary {
        public let count: Int
        public let mean: Double, p50: Double, p99: Double, max: Double

        public init?(_ seconds: [Double]) {
            let sorted = seconds.sorted()
            guard let last = sorted.last else { return nil }
            count = sorted.count
            mean = sorted.reduce(0, +) / Double(sorted.count)
            p50 = sorted[sorted.count / 2]
            p99 = sorted[Swift.min(sorted.count - 1, sorted.count * 99 / 100)]
            max = last
        }
    }

    /// A one-line summary of frame times: count, mean, p50, p99, max in ms.
    public var frameSummary: String {
        func line(_ name: String, _ values: [Double]) -> String {
            guard let t = TimeSummary(values) else { return "\(name) none" }
            func ms(_ v: Double) -> String { Format.trim(v * 1_000, 3) }
            return "\(name) n=\(t.count) mean_ms=\(ms(t.mean)) p50_ms=\(ms(t.p50)) p99_ms=\(ms(t.p99)) max_ms=\(ms(t.max))"
        }
        return [line("frame", frameSeconds), line("build", buildSeconds), line("flush", flushSeconds),
                "frames drawn=\(framesDrawn) unchanged=\(framesSkipped) flow_chart_drawn=\(flowCache.misses) flow_chart_reused=\(flowCache.hits)"].joined(separator: "\n")
    }

    public init(controller: ConsoleController, terminal: TerminalBackend, theme: Theme, glyphs: Glyphs, fps: Int) {
        self.controller = controller
        self.terminal = terminal
        self.theme = theme
        self.glyphs = glyphs
        self.fps = max(1, fps)
    }

    /// Runs until the operator quits (or a signal arrives); restores the terminal.
    public func run() {
        defer { terminal.restore() }
        let clock = ContinuousClock()
        let frame = Duration.milliseconds(1_000 / fps)
        var nextFrame = clock.now
        var lastTick = clock.now
        var pacer = Pacer(fps: fps)
        draw()
        while !controller.state.quit {
            let wait = nextFrame - clock.now
            // Rounded up: a wait under a millisecond rounded down to none
            // would spin on the terminal until the frame is due.
            let waitMs = max(0, Int(wait.components.seconds * 1_000 + (wait.components.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
            if let key = terminal.readKey(timeoutMilliseconds: waitMs) {
                controller.handle(key)
                while !controller.state.quit, let more = terminal.readKey(timeoutMilliseconds: 0) { controller.handle(more) }
                if !controller.state.quit { draw() }
                continue
            }
            let now = clock.now
            guard now >= nextFrame else { continue }
            nextFrame = now - nextFrame > frame ? now + frame : nextFrame + frame
            let elapsed = now - lastTick
            lastTick = now
            if let remote = controller.remote {
                followRemote(remote)
                drawIfChanged()
                continue
            }
            guard let sim = controller.simulation else { return }
            let deadline = now + frame * ConsoleApp.engineShare
            let wasPaused = sim.paused
            if !wasPaused { sim.warmAfterIdle() }
            if let replay = controller.replay {
                _ = pacer.frame(sim, wallSeconds: elapsed.inSeconds, speed: controller.state.speed, deadline: deadline) { target in
                    guard replay.playing else { return false }
                    replay.advance(to: target, eventBudget: 2_000)
                    return true
                }
                if !wasPaused { noteReplayProgress(replay) }
            } else {
                _ = pacer.frame(sim, wallSeconds: elapsed.inSeconds, speed: controller.state.speed, deadline: deadline) { target in
                    sim.advance(to: target, eventBudget: 2_000)
                    return true
                }
            }
            // Paused or slow, the run's keys on a server stay alive (rate-limited inside).
            sim.keepBackendsAlive()
            onFrame?()
            // The replay's end pauses its clock: no speed is achieved from then.
            controller.state.achievedSpeed = sim.paused ? nil : pacer.achieved
            drawIfChanged()
        }
    }

    /// The inputs of a frame: the model's progress (or the attached
    /// session's frames) and the parts of the state a frame time can change.
    var frameInputs: FrameInputs {
        var f = FrameInputs()
        if let sim = controller.simulation {
            f.events = sim.processedEvents
            f.micros = sim.nowMicros
        }
        f.remoteFrames = remoteFrames
        f.achieved = controller.state.achievedSpeed
        f.notice = controller.state.notice?.text
        f.session = controller.state.session?.text
        f.speed = controller.state.speed
        f.replayApplied = controller.state.replay.map { $0.ended ? -$0.applied - 1 : $0.applied }
        return f
    }

    /// Draws unless nothing the screen shows has changed since the last frame.
    func drawIfChanged() {
        if drawnFrom == frameInputs {
            framesSkipped += 1
            return
        }
        draw()
    }

    /// An attached console's frame: the newest snapshot, the server's
    /// answers as notices, the session's speed and the link's state.
    func followRemote(_ remote: RemoteSession) {
        if remote.poll() { remoteFrames += 1 }
        for answer in remote.takeAnswers() {
            controller.state.notice = (answer.text, answer.applied ? .info : .warn)
        }
        controller.state.speed = remote.speed
        controller.state.achievedSpeed = remote.achievedSpeed
        controller.state.session = remote.status
        if remote.observer { controller.state.readOnly = true }
    }

    /// The header's replay progress; at the recording's end (or where the
    /// replay could not follow it) the clock stops and a notice says so.
    func noteReplayProgress(_ replay: ReplayDriver) {
        guard let sim = controller.simulation else { return }
        let wasPlaying = !(controller.state.replay?.ended ?? false)
        controller.state.replay = (replay.applied, replay.actions.count, replay.end.at, !replay.playing)
        guard wasPlaying, !replay.playing else { return }
        sim.setClockPaused(true)
        if let d = replay.divergence {
            controller.state.notice = ("replay stopped: \(d)", .crit)
        } else {
            controller.state.notice = ("replay reached the end of the recording at \(replay.end.at.clockText); q quits and prints the report", .info)
        }
    }

    /// Builds the frame and shows it.
    public func draw() {
        let clock = ContinuousClock()
        let start = clock.now
        guard let live = controller.liveSnapshot() else { return }
        drawnFrom = frameInputs
        framesDrawn += 1
        let shown = controller.displayed(live)
        var screen = Screen(snapshot: shown, state: controller.state, theme: theme, glyphs: glyphs,
                            width: terminal.width, height: terminal.height)
        screen.flowCache = flowCache
        let canvas = screen.render()
        controller.nodeRowsOrigin = screen.nodeRows
        controller.panelRects = screen.panelRects
        let built = clock.now
        terminal.present(canvas)
        let done = clock.now
        if frameSeconds.count < ConsoleApp.frameHistory {
            func s(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
            frameSeconds.append(s(done - start))
            buildSeconds.append(s(built - start))
            flushSeconds.append(s(done - built))
        }
    }
}
