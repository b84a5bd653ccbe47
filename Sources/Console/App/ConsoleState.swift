import PaySim

/// What the console shows besides the model: selection, overlays, the
/// prompt and its history, the event filter, speed. A value: the screen is
/// a function of (snapshot, state, theme, size).
public struct ConsoleState {
    public enum Mode: Equatable {
        case normal
        case help
        /// Waiting for `y` to fail this node.
        case confirmFail(node: Int)
        case prompt
        case filter
    }

    public var mode: Mode = .normal
    /// Help's page: 0 the keys in force, 1 the command language.
    public var helpPage = 0
    public var selectedNode = 0
    var prompt = LineEditor()
    /// Newest last, bounded.
    public private(set) var history: [String] = []
    var historyIndex: Int?
    public var promptError: CommandParseError?
    /// Candidates from the last Tab when it could not complete alone.
    public var completions: [String] = []
    var filterEditor = LineEditor()
    public var eventFilter: String { filterEditor.text }
    /// A one-line answer to the last action: what it did or why it could not.
    public var notice: (text: String, severity: Severity)?
    public var speed: Double = 1
    /// Simulated seconds per wall second actually achieved, when behind.
    public var achievedSpeed: Double?
    public var quit = false
    /// Observer mode: every key and command that would change the platform
    /// is refused with a notice; viewing still works.
    public var readOnly = false
    /// Which key runs which action (the defaults, or the config file's).
    public var bindings = KeyBindings.standard
    /// The config file's panel layouts, by size class (none: the built-in ones).
    public var layouts: [PanelLayout.SizeClass: PanelLayout] = [:]
    /// Attached to a shared session: who and where, the link's state and
    /// lag, or that the bus is lost or the session ended (header, kept first).
    public var session: (text: String, severity: Severity)?
    /// Replaying a recording: its actions applied of all, where it ends,
    /// and whether the replay has got there.
    public var replay: (applied: Int, total: Int, end: SimTime, ended: Bool)?
    /// Time travel: the simulated time of the snapshot the frozen display
    /// shows (nil: live), and how far behind the live one it is.
    public var frozenAt: SimTime?
    public var frozenBehind: SimDuration = .zero
    /// The flow chart's time range (an index into `flowRanges`) and workload (nil: all).
    /// The panel `o` has focused, and whether `e` (or Enter) zoomed it to the whole screen.
    public var focus: Panel?
    public var zoomed = false
    /// The zoomed event log: lines scrolled back from the newest.
    public var eventScroll = 0
    public enum Panel: Int, CaseIterable, Sendable {
        case flow, transactions, cache, nodes, queues, shards, money, events
    }
    public var flowRange = 0
    /// The trace view (`t`): which list, which trace, and whether its
    /// waterfall is open; nil when closed.
    public var traceView: TraceView?
    public struct TraceView: Equatable, Sendable {
        public static let lists = ["latest", "slowest 1m", "failed", "in doubt"]
        public var list = 0
        public var selected = 0
        public var open = false
        public var workload: Workload?
        public init() {}
    }
    /// How the flow chart is drawn: braille dots, block characters, or ASCII
    /// (`g` cycles them; a C locale has ASCII only).
    public var graphSymbols: GraphSymbols = .braille
    public enum GraphSymbols: String, CaseIterable, Sendable { case braille, block, ascii }
    public var flowWorkload: Workload?
    public static let flowRanges: [(seconds: Int, label: String)] = [(60, "1m"), (600, "10m"), (3_600, "1h")]

    static let historyLimit = 100
    static let speeds: [Double] = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100]

    public init(speed: Double = 1) { self.speed = speed }

    public var promptText: String { prompt.text }
    public var promptCursor: Int { prompt.cursor }
    public var filterCursor: Int { filterEditor.cursor }

    mutating func remember(_ line: String) {
        if history.last != line { history.append(line) }
        if history.count > ConsoleState.historyLimit { history.removeFirst(history.count - ConsoleState.historyLimit) }
        historyIndex = nil
    }
}
