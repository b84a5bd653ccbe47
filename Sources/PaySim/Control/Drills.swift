#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The drills: scenario files shipped with payops (compiled in from
/// `Scenarios/`) and the operator's own in `$XDG_CONFIG_HOME/payops/scenarios/`,
/// found by name. A drill's first comment line is its one-line description.
public struct DrillCatalog: Sendable {
    public struct Entry: Sendable {
        public var name: String
        /// `shipped`, or `user`.
        public var origin: String
        /// Where it came from: `built-in:NAME.scenario` or a file's path.
        public var path: String
        public var text: String

        /// The first comment line, without its `#`.
        public var description: String {
            for line in text.split(separator: "\n") {
                let t = line.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
                guard t.hasPrefix("#") else { break }
                let d = t.dropFirst().trimmingPrefix(while: { $0 == " " })
                if !d.isEmpty { return String(d) }
            }
            return ""
        }
    }

    public let userDirectory: String?

    public init(userDirectory: String?) {
        self.userDirectory = userDirectory
    }

    /// The catalog for this user: `$XDG_CONFIG_HOME/payops/scenarios`, or `~/.config/payops/scenarios`.
    public static func standard(environment: [String: String]) -> DrillCatalog {
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["HOME"].map { $0 + "/.config" }
        return DrillCatalog(userDirectory: config.map { $0 + "/payops/scenarios" })
    }

    /// Shipped drills first, by name, then the user's; a user drill with a
    /// shipped drill's name replaces it.
    public func entries() -> [Entry] {
        var out = ShippedDrills.files.map { Entry(name: $0.name, origin: "shipped", path: "built-in:\($0.name).scenario", text: $0.text) }
        for name in userFileNames() {
            let path = userDirectory! + "/" + name + ".scenario"
            guard let text = try? InputText.read(path: path, limitBytes: Scenario.maxBytes) else { continue }
            let entry = Entry(name: name, origin: "user", path: path, text: text)
            if let i = out.firstIndex(where: { $0.name == name }) { out[i] = entry } else { out.append(entry) }
        }
        return out
    }

    private func userFileNames() -> [String] {
        guard let dir = userDirectory, let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".scenario") && !name.hasPrefix(".") { names.append(String(name.dropLast(9))) }
        }
        return names.sorted()
    }

    /// Why a drill could not be found or read.
    public struct LookupError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// A path (anything with a `/` or ending `.scenario`) is read as a file;
    /// otherwise the name is looked up among the user's drills, then the shipped ones.
    public func resolve(_ nameOrPath: String) throws(LookupError) -> Entry {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".scenario") {
            do {
                let text = try InputText.read(path: nameOrPath, limitBytes: Scenario.maxBytes)
                return Entry(name: nameOrPath, origin: "file", path: nameOrPath, text: text)
            } catch {
                throw LookupError(description: "\(InputText.shown(nameOrPath, limit: 200)): \(error)")
            }
        }
        let all = entries()
        if let e = all.first(where: { $0.name == nameOrPath }) { return e }
        throw LookupError(description: "no drill named '\(InputText.shown(nameOrPath, limit: 80))'; the drills are \(all.map(\.name).joined(separator: ", ")) (see 'payops scenarios'), or give a path to a .scenario file")
    }
}

extension Simulation {
    /// Follows a drill: its thresholds are set, and each step runs at its
    /// simulated time as an event of the run, in file order within a time.
    /// The event log marks what the drill did (`drill ▲ crash shard-2`)
    /// apart from the operator's own actions.
    public func followDrill(_ drill: Scenario, name: String, thresholds extra: [SLOThreshold] = []) {
        self.drill = drill
        drillName = name
        drillStepsDone = 0
        setThresholds(extra + drill.thresholds)
        for (i, step) in drill.steps.enumerated() {
            queue.schedule(at: max(nowMicros, step.at.microseconds), .drillStep(Int32(i)))
        }
    }

    func runDrillStep(_ i: Int) {
        // A step after the end of arrivals does not run: the run is winding down.
        guard let drill, i < drill.steps.count, arrivalsOpen else { return }
        drillStepsDone = max(drillStepsDone, i + 1)
        let step = drill.steps[i]
        log(.info, "drill ▲ \(step.command)")
        do {
            try apply(step.command)
            noteAction(step.command, who: "drill", via: "drill line \(step.line)")
        } catch {
            drillRefusals.append((i, error))
            log(.warn, "drill step refused (line \(step.line)): \(error)")
        }
    }

    var drillStatus: MetricsSnapshot.DrillStatus? {
        guard let drill else { return nil }
        let next = nextDrillStep
        return MetricsSnapshot.DrillStatus(name: drillName, done: drillStepsDone, total: drill.steps.count,
                                           nextAt: next?.at, next: next.map { "\($0.command)" })
    }

    /// The drill's next step, if any is still to come.
    public var nextDrillStep: Scenario.Step? {
        guard let drill, drillStepsDone < drill.steps.count else { return nil }
        return drill.steps[drillStepsDone]
    }
}

/// One change made to the running platform: who made it, how, when, and
/// the command's canonical text. Every report lists them.
public struct OperatorAction: Sendable, Equatable {
    public var at: SimTime
    /// Events the engine had processed when the action was applied: with
    /// `at`, the exact point in the run a replay applies it again.
    public var event: Int64
    /// The local user's name, or `drill`.
    public var who: String
    /// `key`, `prompt`, or `drill line N`.
    public var via: String
    public var command: String

    /// `key`, `prompt` or `drill`: how the action came.
    public var origin: String { OperatorAction.origin(via: via) }
    public static func origin(via: String) -> String { via.hasPrefix("drill") ? "drill" : via }
}

extension Simulation {
    /// Records an applied command in the action log (the most recent
    /// `Limits.actionLogEntries` are kept; older ones are counted).
    public func noteAction(_ command: OperatorCommand, who: String, via: String) {
        if actions.count >= Limits.actionLogEntries {
            actions.removeFirst(actions.count - Limits.actionLogEntries + 1)
            actionsDropped += 1
        }
        let action = OperatorAction(at: now, event: eventsProcessed, who: who, via: via, command: "\(command)")
        actions.append(action)
        // Who did it, in the event log too (a drill's steps are its own).
        if action.origin != "drill" { log(.info, "\(who) (\(via)): \(command)") }
        actionObserver?(action)
    }
}

extension Simulation {
    /// A line in the event log from outside the model: a shared session's
    /// console attaching, its bus lost and back, the facilitator's speed.
    public func note(_ severity: Severity, _ message: String) { log(severity, message) }
}
