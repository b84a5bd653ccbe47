/// What a key does on the main screen. Every action can be bound to any
/// key in the config file's `[keys]` table, by these names.
public enum ConsoleAction: String, CaseIterable, Sendable {
    case help, quit, pause
    case rateUp = "rate-up", rateDown = "rate-down", spike
    case slower, faster
    case selectUp = "select-up", selectDown = "select-down"
    case drain, fail, recover, balancer
    case protocolSwitch = "protocol"
    case cacheFlush = "cache-flush"
    case command, filter, focus, zoom, freeze, back, forward
    case back10 = "back-10s", forward10 = "forward-10s"
    case flowRange = "flow-range", flowSymbols = "flow-symbols", flowWorkload = "flow-workload"
    case trace

    /// What it does, for help and `payops config`.
    public var summary: String {
        switch self {
        case .help: "this help (any key closes it)"
        case .quit: "quit (Ctrl-C too)"
        case .pause: "pause / resume the simulation"
        case .rateUp: "raise the base rate"
        case .rateDown: "lower the base rate"
        case .spike: "spike: ×5 arrivals for 30 s"
        case .slower: "slower simulated time"
        case .faster: "faster simulated time"
        case .selectUp: "select the node above (a click works too)"
        case .selectDown: "select the node below"
        case .drain: "drain the selected node"
        case .fail: "fail the selected node (asks y to confirm)"
        case .recover: "recover the selected node"
        case .balancer: "next balancer algorithm"
        case .protocolSwitch: "switch 2PC / 3PC"
        case .cacheFlush: "flush the cache"
        case .command: "operator command, e.g. crash shard-2, retries budget off"
        case .filter: "filter the event log"
        case .focus: "focus the next panel (a click works too)"
        case .zoom: "zoom the focused panel to the whole screen (Esc returns)"
        case .freeze: "freeze the screen; the simulation runs on"
        case .back: "frozen: a second back"
        case .forward: "frozen: a second forward (past the newest: live)"
        case .back10: "frozen: ten seconds back"
        case .forward10: "frozen: ten seconds forward"
        case .flowRange: "flow chart over 1 min / 10 min / 1 h"
        case .flowSymbols: "flow chart in braille / block / ASCII"
        case .flowWorkload: "flow chart of all workloads or one"
        case .trace: "trace one transaction: recent, slowest, failed, in doubt"
        }
    }

    public var defaultKeys: [KeyEvent] {
        func c(_ s: String) -> [KeyEvent] { s.map { .character($0) } }
        switch self {
        case .help: return c("?")
        case .quit: return c("qQ")
        case .pause: return c(" ")
        case .rateUp: return c("+=")
        case .rateDown: return c("-_")
        case .spike: return c("s")
        case .slower: return c("<,")
        case .faster: return c(">.")
        case .selectUp: return [.up] + c("k") + [.backTab]
        case .selectDown: return [.down] + c("j") + [.tab]
        case .drain: return c("d")
        case .fail: return c("f")
        case .recover: return c("r")
        case .balancer: return c("l")
        case .protocolSwitch: return c("p")
        case .cacheFlush: return c("c")
        case .command: return c(":")
        case .filter: return c("/")
        case .focus: return c("o")
        case .zoom: return c("e") + [.enter]
        case .freeze: return c("z")
        case .back: return c("[")
        case .forward: return c("]")
        case .back10: return c("{")
        case .forward10: return c("}")
        case .flowRange: return c("w")
        case .flowSymbols: return c("g")
        case .flowWorkload: return c("v")
        case .trace: return c("t")
        }
    }
}

extension KeyEvent: Hashable {
    public func hash(into h: inout Hasher) {
        switch self {
        case .character(let c): h.combine(0); h.combine(c)
        case .click(let x, let y): h.combine(1); h.combine(x); h.combine(y)
        default: h.combine(2); h.combine(KeyBindings.name(self))
        }
    }
}

/// Which key runs which action: the defaults, with the config file's
/// `[keys]` in place of an action's default keys.
public struct KeyBindings: Sendable, Equatable {
    public private(set) var keys: [ConsoleAction: [KeyEvent]]
    private var byKey: [KeyEvent: ConsoleAction] = [:]
    /// Actions whose keys came from the config file (for `payops config` and help).
    public private(set) var rebound: Set<ConsoleAction> = []

    public static let standard = KeyBindings()

    public init() {
        keys = Dictionary(uniqueKeysWithValues: ConsoleAction.allCases.map { ($0, $0.defaultKeys) })
        reindex()
    }

    mutating func reindex() {
        byKey = [:]
        for a in ConsoleAction.allCases { for k in keys[a] ?? [] where byKey[k] == nil { byKey[k] = a } }
    }

    public func action(for key: KeyEvent) -> ConsoleAction? { byKey[key] }

    /// Gives `action` these keys instead of its defaults. A key another
    /// action holds by default moves here (that action keeps its other
    /// keys, or none); a key another rebound action holds is a conflict.
    public mutating func bind(_ action: ConsoleAction, to new: [KeyEvent]) throws(Conflict) {
        for k in new {
            if let other = byKey[k], other != action, rebound.contains(other) { throw Conflict(key: k, holder: other) }
        }
        for k in new {
            if let other = byKey[k], other != action { keys[other]?.removeAll { $0 == k } }
        }
        keys[action] = new
        rebound.insert(action)
        reindex()
    }

    public struct Conflict: Error, Equatable {
        public var key: KeyEvent
        public var holder: ConsoleAction
    }

    /// The keys of `action` as people write them (`d`, `space`, `↑`), or `–` when it has none.
    public func label(_ action: ConsoleAction, max: Int = 3) -> String {
        let ks = (keys[action] ?? []).prefix(max).map { KeyBindings.display($0) }
        return ks.isEmpty ? "–" : ks.joined(separator: " ")
    }

    /// The first key of `action`, for the footer's hints.
    public func first(_ action: ConsoleAction) -> String? { keys[action]?.first.map(KeyBindings.display) }

    static func display(_ k: KeyEvent) -> String {
        switch k {
        case .character(" "): "space"
        case .character(let c): String(c)
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .enter: "Enter"
        default: name(k)
        }
    }

    /// The name a config file uses for `k`.
    public static func name(_ k: KeyEvent) -> String {
        switch k {
        case .character(" "): "space"
        case .character(let c): String(c)
        case .up: "up"
        case .down: "down"
        case .left: "left"
        case .right: "right"
        case .home: "home"
        case .end: "end"
        case .pageUp: "pgup"
        case .pageDown: "pgdn"
        case .tab: "tab"
        case .backTab: "backtab"
        case .enter: "enter"
        case .escape: "esc"
        case .backspace: "backspace"
        case .delete: "delete"
        case .interrupt: "ctrl-c"
        case .resize: "resize"
        case .click: "click"
        }
    }

    static let named: [String: KeyEvent] = [
        "space": .character(" "), "up": .up, "down": .down, "left": .left, "right": .right, "home": .home, "end": .end,
        "pgup": .pageUp, "pgdn": .pageDown, "tab": .tab, "backtab": .backTab, "enter": .enter,
    ]

    /// A key as a config file writes it: one printable character, or a
    /// name (`space`, `enter`, `tab`, `backtab`, `up`, `down`, `left`,
    /// `right`, `home`, `end`, `pgup`, `pgdn`). Esc, Ctrl-C and the mouse
    /// keep their meaning and cannot be bound.
    public static func parseKey(_ text: String) -> KeyEvent? {
        if text.count == 1, let c = text.first, !c.isWhitespace, c.isASCII, !(c.asciiValue.map { $0 < 32 || $0 == 127 } ?? true) { return .character(c) }
        return named[text.lowercased()]
    }
}
