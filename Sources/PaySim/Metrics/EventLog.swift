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

    init(capacity: Int) { self.capacity = capacity }

    mutating func append(_ e: SimLogEntry) {
        total += 1
        entries.append(e)
        if entries.count > capacity { entries.removeFirst() }
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
