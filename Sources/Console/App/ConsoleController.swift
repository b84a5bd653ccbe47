#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PaySim

/// Turns keys into operator commands and state changes. It owns no
/// terminal, so every key's effect is testable.
public final class ConsoleController {
    /// The platform: a simulation in this process, or a session served elsewhere.
    public let simulation: Simulation?
    public let remote: RemoteSession?
    public var state: ConsoleState
    /// Set when the console replays a recording: it drives the platform.
    public var replay: ReplayDriver?
    /// The last ten minutes of the screen, for time travel.
    var history = SnapshotHistory()
    /// Where the node rows were last drawn, for mouse clicks.
    var nodeRowsOrigin: (x: Int, y: Int, width: Int, first: Int)?
    /// Where each panel was last drawn: a click focuses the one under it.
    var panelRects: [(panel: ConsoleState.Panel, rect: Rect)] = []

    /// The newest live snapshot the screen was given.
    var latest: MetricsSnapshot?

    public init(simulation: Simulation, state: ConsoleState = ConsoleState()) {
        self.simulation = simulation
        self.remote = nil
        self.state = state
    }

    public init(remote: RemoteSession, state: ConsoleState = ConsoleState()) {
        self.simulation = nil
        self.remote = remote
        self.state = state
        self.state.readOnly = state.readOnly || remote.observer
    }

    /// The platform as it stands now.
    public func liveSnapshot() -> MetricsSnapshot? {
        if let simulation { return simulation.snapshot() }
        return remote?.snapshot
    }
    var current: MetricsSnapshot? { latest ?? liveSnapshot() }
    var shape: PlatformShape { simulation.map { PlatformShape($0.config) } ?? remote?.shape ?? PlatformShape(nodes: 1, shards: 1) }
    var nodeCount: Int { max(1, shape.nodes) }
    /// Who the action log names for this console's actions: the local user.
    static let operatorName: String = {
        if let name = getenv("USER").map({ String(cString: $0) }), !name.isEmpty { return name }
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return "operator"
    }()
    var selectedName: String { "node-\(state.selectedNode + 1)" }

    /// Applies a command and reports the outcome as the notice; in
    /// observer mode, refuses it and says so.
    func run(_ command: OperatorCommand, via: String = "key") {
        guard !state.readOnly else {
            state.notice = remote.map { ("observer: '\(command)' not applied; Redis gives user '\($0.user)' no command stream", .warn) }
                ?? ("read-only: '\(command)' not applied", .warn)
            return
        }
        guard replay == nil else {
            state.notice = ("replay: the recording drives the platform; '\(command)' not applied", .warn)
            return
        }
        if let remote {
            // The server applies it in this user's name and answers.
            if let problem = remote.send("\(command)", via: via, control: command == .pause || command == .resume) {
                state.readOnly = remote.observer
                state.notice = ("\(command): \(problem)", .warn)
            } else {
                state.notice = ("\(command): sent to \(remote.sessionName)", .info)
            }
            return
        }
        guard let simulation else { return }
        do {
            try simulation.apply(command)
            simulation.noteAction(command, who: ConsoleController.operatorName, via: via)
            state.notice = ("\(command)", .info)
        } catch {
            state.notice = ("\(command): \(error)", .warn)
        }
    }

    public func handle(_ key: KeyEvent) {
        if key == .interrupt {
            state.quit = true
            return
        }
        switch state.mode {
        case .help:
            // Tab and the arrows turn the page; any other key closes help; quit still quits.
            switch key {
            case .tab, .right, .left, .backTab:
                state.helpPage += 1
            default:
                if state.bindings.action(for: key) == .quit { state.quit = true }
                state.mode = .normal
                state.helpPage = 0
            }
        case .confirmFail(let node):
            state.mode = .normal
            if key == .character("y") || key == .character("Y") {
                run(.failNode(node))
            } else {
                state.notice = ("fail node-\(node + 1) cancelled", .info)
            }
        case .prompt:
            handlePrompt(key)
        case .filter:
            handleFilter(key)
        case .normal where state.traceView != nil:
            handleTraces(key)
        case .normal:
            if state.frozenAt != nil {
                handleFrozen(key)
            } else {
                handleNormal(key)
            }
        }
    }

    /// The zoomed event log's scrolling keys; true when `key` was one.
    func scrollEvents(_ key: KeyEvent) -> Bool {
        let page = 10
        switch key {
        case .up, .character("k"): state.eventScroll += 1
        case .down, .character("j"): state.eventScroll = max(0, state.eventScroll - 1)
        case .pageUp: state.eventScroll += page
        case .pageDown: state.eventScroll = max(0, state.eventScroll - page)
        case .home: state.eventScroll = Int.max / 2
        case .end: state.eventScroll = 0
        default: return false
        }
        return true
    }

    /// Keeps the live snapshot in the history and returns what the screen
    /// shows: the live one, or the frozen one with the flow it had then.
    public func displayed(_ live: MetricsSnapshot) -> MetricsSnapshot {
        // Kept without the run's distributions and the hour of flow, which
        // the engine would otherwise copy whole at its next sample (the
        // flow: at the next second) while this holds them.
        var kept = live.withoutDistributions
        kept.flow = []
        latest = kept
        history.record(live)
        guard let at = state.frozenAt, let i = history.index(atOrBefore: at) else { return live }
        let s = history[i]
        state.frozenBehind = live.time - s.time
        return s.withFlow(of: live)
    }

    /// Time travel: `z` freezes the display (the simulation runs on), `[`
    /// and `]` step a second back and forth through the last ten minutes,
    /// `{` and `}` ten seconds.
    func travel(_ action: ConsoleAction, live: MetricsSnapshot? = nil) {
        if state.frozenAt == nil {
            guard let now = live ?? current else { return }
            history.record(now, force: true)
            state.frozenAt = history.newest?.time
        }
        guard let at = state.frozenAt, let i = history.index(atOrBefore: at) else { return }
        let step: Int
        switch action {
        case .back: step = -1
        case .forward: step = 1
        case .back10: step = -10
        case .forward10: step = 10
        default: step = 0
        }
        let j = i + step
        if j >= history.count {
            state.frozenAt = nil
            state.notice = ("live", .info)
            return
        }
        state.frozenAt = history[max(0, j)].time
        if j < 0 { state.notice = ("the oldest kept: \(SnapshotHistory.seconds / 60) minutes are kept", .info) }
    }

    /// Keys on a frozen display: travel keys move through the past; view
    /// keys (focus, zoom, help) work on it; quit quits; any other key
    /// returns to live.
    func handleFrozen(_ key: KeyEvent) {
        let action = state.bindings.action(for: key)
        switch action {
        case .back?, .forward?, .back10?, .forward10?:
            travel(action!)
        case .quit?, .help?, .focus?, .zoom?:
            handleNormal(key)
        default:
            if case .click = key { handleNormal(key); return }
            if key == .escape && state.zoomed { state.zoomed = false; return }
            state.frozenAt = nil
            state.notice = ("live", .info)
        }
    }

    func handleNormal(_ key: KeyEvent) {
        if state.zoomed && state.focus == .events, scrollEvents(key) { return }
        if let action = state.bindings.action(for: key) {
            perform(action)
            return
        }
        switch key {
        case .escape where state.zoomed:
            state.zoomed = false
        case .escape:
            state.notice = nil
            state.filterEditor.set("")
        case let .click(x, y):
            if let o = nodeRowsOrigin, x >= o.x, x < o.x + o.width, y >= o.y {
                let n = o.first + (y - o.y)
                if n < nodeCount { state.selectedNode = n }
            }
            // The panel under the click takes the focus (zoom then zooms it).
            if let hit = panelRects.first(where: { x >= $0.rect.x && x < $0.rect.maxX && y >= $0.rect.y && y < $0.rect.maxY }), state.focus != hit.panel {
                state.focus = hit.panel
                state.notice = ("focus: \(hit.panel) (\(state.bindings.label(.zoom, max: 1)) zooms, esc returns)", .info)
            }
        default: break
        }
    }

    /// Runs one action of the main screen.
    func perform(_ action: ConsoleAction) {
        switch action {
        case .help: state.mode = .help
        case .quit: state.quit = true
        case .pause where replay != nil:
            // The replay's clock is the console's own: not an action of the run.
            if let simulation { simulation.setClockPaused(!simulation.paused) }
        case .pause:
            run(current?.paused == true ? .resume : .pause)
        case .rateUp:
            run(.rate(tps: ConsoleController.step(current?.baseRateTPS ?? 0, up: true), workload: nil))
        case .rateDown:
            run(.rate(tps: ConsoleController.step(current?.baseRateTPS ?? 0, up: false), workload: nil))
        case .spike:
            run(.spike(factor: 5, duration: .seconds(30), workload: nil))
        case .faster:
            setSpeed(ConsoleState.speeds.first { $0 > state.speed } ?? state.speed)
        case .slower:
            setSpeed(ConsoleState.speeds.last { $0 < state.speed } ?? state.speed)
        case .selectUp:
            state.selectedNode = (state.selectedNode + nodeCount - 1) % nodeCount
        case .selectDown:
            state.selectedNode = (state.selectedNode + 1) % nodeCount
        case .drain: run(.drainNode(state.selectedNode))
        case .fail:
            if state.readOnly { run(.failNode(state.selectedNode)) } else { state.mode = .confirmFail(node: state.selectedNode) }
        case .recover: run(.recoverNode(state.selectedNode))
        case .balancer:
            let all = BalancerAlgorithm.allCases
            guard let now = current else { return }
            run(.balancer(all[(all.firstIndex(of: now.balancer)! + 1) % all.count]))
        case .protocolSwitch:
            guard let now = current else { return }
            run(.setProtocol(now.commitProtocol == .twoPhase ? .threePhase : .twoPhase))
        case .cacheFlush: run(.cacheFlush)
        case .command:
            state.mode = .prompt
            state.prompt.set("")
            state.promptError = nil
        case .filter:
            state.mode = .filter
        case .focus:
            let all = ConsoleState.Panel.allCases
            let next = all[((state.focus?.rawValue ?? -1) + 1) % all.count]
            state.focus = next
            state.notice = ("focus: \(next) (\(state.bindings.label(.zoom, max: 1)) zooms, esc returns)", .info)
        case .zoom:
            if state.focus == nil { state.focus = .transactions }
            state.zoomed.toggle()
        case .freeze, .back, .back10:
            travel(action)
            if action == .freeze {
                let b = state.bindings
                state.notice = ("frozen: \(b.label(.back, max: 1)) \(b.label(.forward, max: 1)) step a second, \(b.label(.back10, max: 1)) \(b.label(.forward10, max: 1)) ten; any key returns to live", .info)
            }
        case .forward, .forward10:
            // Live already: nothing ahead.
            break
        case .flowRange:
            state.flowRange = (state.flowRange + 1) % ConsoleState.flowRanges.count
            state.notice = ("flow over \(ConsoleState.flowRanges[state.flowRange].label)", .info)
        case .flowSymbols:
            let all = ConsoleState.GraphSymbols.allCases
            state.graphSymbols = all[(all.firstIndex(of: state.graphSymbols)! + 1) % all.count]
            state.notice = ("flow drawn in \(state.graphSymbols.rawValue)", .info)
        case .trace:
            state.traceView = ConsoleState.TraceView()
        case .flowWorkload:
            let all: [Workload?] = [nil] + Workload.allCases.map { $0 }
            let i = all.firstIndex { $0 == state.flowWorkload } ?? 0
            state.flowWorkload = all[(i + 1) % all.count]
            state.notice = ("flow of \(state.flowWorkload?.displayName ?? "all workloads")", .info)
        }
    }

    /// The trace view: Tab and the arrows pick a list and a trace, Enter
    /// opens its waterfall, the workload key filters, Esc goes back.
    func handleTraces(_ key: KeyEvent) {
        guard var v = state.traceView else { return }
        let count = current.map { ConsoleController.traceList($0.traces, v).count } ?? 0
        let action = state.bindings.action(for: key)
        switch key {
        case .escape:
            if v.open { v.open = false } else { state.traceView = nil; return }
        case .tab, .right:
            v.list = (v.list + 1) % ConsoleState.TraceView.lists.count
            v.selected = 0
            v.open = false
        case .backTab, .left:
            v.list = (v.list + ConsoleState.TraceView.lists.count - 1) % ConsoleState.TraceView.lists.count
            v.selected = 0
            v.open = false
        case .enter:
            v.open = count > 0
        default:
            switch action {
            case .selectUp?: v.selected = max(0, v.selected - 1)
            case .selectDown?: v.selected = min(max(0, count - 1), v.selected + 1)
            case .flowWorkload?:
                let all: [Workload?] = [nil] + Workload.allCases.map { $0 }
                v.workload = all[((all.firstIndex { $0 == v.workload } ?? 0) + 1) % all.count]
                v.selected = 0
                v.open = false
            case .quit?: state.quit = true
            case .trace?: state.traceView = nil; return
            case .help?: state.mode = .help
            case .freeze?, .back?, .forward?, .back10?, .forward10?: handleNormal(key)
            default: break
            }
        }
        state.traceView = v
    }

    /// The traces of the view's list, filtered by its workload.
    static func traceList(_ t: TraceLists, _ v: ConsoleState.TraceView) -> [TransactionTrace] {
        let list = [t.latest, t.slowest, t.failed, t.inDoubt][v.list]
        return v.workload.map { w in list.filter { $0.workload == w } } ?? list
    }

    func handlePrompt(_ key: KeyEvent) {
        if key != .tab { state.completions = [] }
        switch key {
        case .escape:
            state.mode = .normal
            state.promptError = nil
        case .enter:
            let line = state.prompt.text
            guard !line.allSatisfy({ $0 == " " }) else {
                state.mode = .normal
                return
            }
            state.remember(line)
            do {
                if remote != nil, let control = ConsoleController.sessionControl(line) {
                    state.mode = .normal
                    state.promptError = nil
                    sendControl(control)
                    return
                }
                let command = try CommandParser.parse(line, shape: shape)
                state.mode = .normal
                state.promptError = nil
                run(command, via: "prompt")
            } catch {
                // Stay in the prompt with the text, so it can be fixed.
                state.promptError = error
            }
        case .character(let c): state.prompt.insert(c); state.promptError = nil
        case .backspace: state.prompt.backspace(); state.promptError = nil
        case .delete: state.prompt.delete()
        case .left: state.prompt.left()
        case .right: state.prompt.right()
        case .home: state.prompt.home()
        case .end: state.prompt.end()
        case .up:
            guard !state.history.isEmpty else { return }
            let i = max(0, (state.historyIndex ?? state.history.count) - 1)
            state.historyIndex = i
            state.prompt.set(state.history[i])
        case .down:
            guard let i = state.historyIndex else { return }
            if i + 1 < state.history.count {
                state.historyIndex = i + 1
                state.prompt.set(state.history[i + 1])
            } else {
                state.historyIndex = nil
                state.prompt.set("")
            }
        case .tab:
            complete()
        default: break
        }
    }

    /// Completes the word before the cursor: the unique candidate, or the
    /// longest common prefix with the candidates listed in the notice.
    func complete() {
        let before = String(state.promptText.prefix(state.promptCursor))
        let candidates = CommandParser.completions(for: before, nodes: shape.nodes, shards: shape.shards)
        guard !candidates.isEmpty else { return }
        let word = before.split(separator: " ", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        var common = candidates[0]
        for c in candidates.dropFirst() {
            while !c.lowercased().hasPrefix(common.lowercased()) { common.removeLast() }
        }
        let add = String(common.dropFirst(word.count))
        for ch in add { state.prompt.insert(ch) }
        if candidates.count == 1 {
            state.prompt.insert(" ")
            state.completions = []
        } else {
            state.completions = candidates
        }
    }

    func handleFilter(_ key: KeyEvent) {
        switch key {
        case .escape:
            state.filterEditor.set("")
            state.mode = .normal
        case .enter: state.mode = .normal
        case .character(let c): state.filterEditor.insert(c)
        case .backspace: state.filterEditor.backspace()
        case .left: state.filterEditor.left()
        case .right: state.filterEditor.right()
        default: break
        }
    }

    /// Speed keys: this console's own pace, or, attached, the session's
    /// (which belongs to its facilitator).
    func setSpeed(_ speed: Double) {
        if remote != nil {
            sendControl("speed \(Format.speed(speed))")
            return
        }
        state.speed = speed
        state.notice = ("speed ×\(Format.speed(state.speed))", .info)
    }

    /// `:session stop`, `:session speed 2`: the facilitator's controls of a shared session.
    static func sessionControl(_ line: String) -> String? {
        let words = line.split(separator: " ").map { $0.lowercased() }
        guard words.first == "session", words.count >= 2 else { return nil }
        return words.dropFirst().joined(separator: " ")
    }

    func sendControl(_ text: String) {
        guard let remote else { return }
        if let problem = remote.send(text, via: "key", control: true) {
            state.notice = ("\(text): \(problem)", .warn)
        } else {
            state.notice = ("\(text): sent to \(remote.sessionName)", .info)
        }
    }

    /// The next base rate up or down: about ±25%, on round numbers.
    static func step(_ rate: Double, up: Bool) -> Double {
        let ladder: [Double] = [0, 10, 25, 50, 100, 250, 500, 750, 1_000, 1_250, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000,
                                7_500, 10_000, 15_000, 20_000, 30_000, 50_000, 75_000, 100_000]
        if up { return ladder.first { $0 > rate } ?? rate }
        return ladder.last { $0 < rate } ?? 0
    }
}
