import DequeModule

/// How much an operator should care about an event.
public enum Severity: Int, Sendable, Comparable, Codable, CustomStringConvertible {
    case info, warn, crit
    public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
    public var description: String {
        switch self {
        case .info: "INFO"
        case .warn: "WARN"
        case .crit: "CRIT"
        }
    }
}

/// One line of the platform's event log.
public struct SimLogEntry: Sendable, Equatable, Codable {
    public var time: SimTime
    public var severity: Severity
    public var message: String

    public init(time: SimTime, severity: Severity, message: String) {
        self.time = time
        self.severity = severity
        self.message = message
    }
}

/// The most recent events, oldest first; bounded so a long run or a storm of
/// failures cannot grow it without limit.
struct EventLog {
    private(set) var entries: Deque<SimLogEntry> = []
    let capacity: Int
    private(set) var total: Int64 = 0
    /// The entries as one array, made when first asked for after a change
    /// and then handed out shared: a snapshot a frame costs nothing while
    /// the log is quiet, which is most of the time.
    private var asArray: [SimLogEntry]?

    init(capacity: Int) { self.capacity = capacity }

    mutating func append(_ e: SimLogEntry) {
        total += 1
        entries.append(e)
        if entries.count > capacity { entries.removeFirst() }
        asArray = nil
    }

    /// The entries, oldest first.
    mutating func array() -> [SimLogEntry] {
        if let asArray { return asArray }
        let made = Array(entries)
        asArray = made
        return made
    }
}

extension Simulation {
    func log(_ severity: Severity, _ message: String) {
        let entry = SimLogEntry(time: now, severity: severity, message: message)
        events.append(entry)
        eventObserver?(entry)
        if traceKey >= 0 { tracer?("\(traceTime) event log: \(message)") }
    }
}
