/// Why a scenario file did not parse.
public struct ScenarioError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based line; 0 when the problem is not on a line (the file itself).
    public var line: Int
    /// 1-based column (in characters) within the original line; 0 when not on a line.
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, or `file: message` for the file as a whole.
    public var description: String {
        let f = InputText.shown(file, limit: 200)
        return line == 0 ? "\(f): \(message)" : "\(f):\(line):\(column): \(message)"
    }
}

/// A scripted run: operator commands at fixed simulated times.
///
/// A scenario file holds one step a line, `at <time> <command>`, where
/// `<time>` is a duration from the start of the run (`at 0s`, `at 90s`,
/// `at 1m30s`). `#` starts a comment; blank lines are ignored. Steps stay in
/// file order and their times may not go backwards.
///
///     # Black Friday: a payment spike, then a shard crash under load.
///     at 0s     rate 2000
///     at 30s    spike 5x for 1m payment
///     at 1m     crash shard-2      # mid-spike
///     at 1m30s  restore shard-2
public struct Scenario: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var at: SimDuration
        public var command: OperatorCommand
        /// 1-based line in the file, and the column where its command starts.
        public var line: Int
        public var column: Int

        public init(at: SimDuration, command: OperatorCommand, line: Int, column: Int = 1) {
            self.at = at
            self.command = command
            self.line = line
            self.column = column
        }
    }

    public var steps: [Step]
    /// `slo EXPR` lines: what "held" means for this drill, and their lines.
    public var thresholds: [SLOThreshold]
    public var thresholdLines: [Int]
    /// A scenario file is read whole; anything larger is refused.
    public static let maxBytes = 1_024 * 1_024

    public init(steps: [Step] = [], thresholds: [SLOThreshold] = [], thresholdLines: [Int] = []) {
        self.steps = steps
        self.thresholds = thresholds
        self.thresholdLines = thresholdLines
    }

    /// What ends a fault begun with `at T until U`: its opposite, or for a
    /// consumer count the one in force before it.
    static func ending(of c: OperatorCommand, consumers: [String: Int]) -> OperatorCommand? {
        switch c {
        case .crashShard(let s): return .restoreShard(s)
        case .crashCoordinator(let n): return .restoreCoordinator(n)
        case .failNode(let n), .drainNode(let n): return .recoverNode(n)
        case .slowNode(let n, _): return .slowNode(n, factor: 1)
        case .gatewayDown: return .gatewayUp
        case .gatewaySlow: return .gatewaySlow(factor: 1)
        case .gatewayTimeouts: return .gatewayTimeouts(percent: 0)
        case .payouts(paused: true): return .payouts(paused: false)
        case .consumers(let g, _): return .consumers(group: g, count: consumers[g] ?? 1)
        case .breakers(false): return .breakers(true)
        case .ejection(false): return .ejection(true)
        case .retryBudget(nil): return .retryBudget(percent: SimulationConfig().retryBudgetPercent)
        default: return nil
        }
    }

    /// Parses scenario text; `file` names it in errors. With a `shape`, a
    /// node or shard that does not exist is an error at its column too.
    public static func parse(_ text: String, file: String, shape: PlatformShape? = nil) throws(ScenarioError) -> Scenario {
        var steps: [Step] = []
        var thresholds: [SLOThreshold] = [], thresholdLines: [Int] = []
        var lastAt = SimDuration.zero
        var consumers = Simulation.defaultConsumers
        var lineNumber = 0
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        for line in lines {
            lineNumber += 1
            func failure(_ column: Int, _ message: String) -> ScenarioError {
                ScenarioError(file: file, line: lineNumber, column: column, message: message)
            }
            let (tokens, end) = CommandParser.tokenize(line)
            guard let first = tokens.first else { continue }
            if first.lower == "slo" {
                guard tokens.count > 1 else {
                    throw failure(end, "expected a threshold after 'slo', like 'payment.p99 < 300ms', found end of line")
                }
                let start = tokens[1].column
                do {
                    thresholds.append(try SLOThreshold.parse(String(line.dropFirst(start - 1).prefix(end - start)), groups: Simulation.groupNames))
                    thresholdLines.append(lineNumber)
                } catch {
                    throw failure(start - 1 + error.column, error.message)
                }
                continue
            }
            // `at T [until U | every P for D] <command>`, or `every P for D <command>` from 0s.
            var k = 0
            var time = SimDuration.zero
            func timeAt(_ i: Int, _ what: String) throws(ScenarioError) -> SimDuration {
                guard i < tokens.count else { throw failure(end, "expected \(what) like 0s, 90s or 1m30s, found end of line") }
                do { return try SimDuration.parse(tokens[i].lower) } catch {
                    throw failure(tokens[i].column, "expected \(what) like 0s, 90s or 1m30s, found '\(InputText.shown(tokens[i].text))'")
                }
            }
            if first.lower == "at" {
                time = try timeAt(1, "a time")
                if time < lastAt {
                    throw failure(tokens[1].column, "time \(time) is earlier than the previous step's \(lastAt)")
                }
                lastAt = time
                k = 2
            } else if first.lower != "every" {
                throw failure(first.column, "expected a step like 'at 90s spike 5x for 30s', 'every 2m for 10m cache flush' or a threshold like 'slo payment.p99 < 300ms', found '\(InputText.shown(first.text))'")
            }
            var until: (at: SimDuration, column: Int)?
            var every: (period: SimDuration, span: SimDuration)?
            if k < tokens.count && tokens[k].lower == "until" {
                let u = try timeAt(k + 1, "an end time after 'until'")
                guard u > time else { throw failure(tokens[k + 1].column, "the end \(u) must come after the start \(time)") }
                until = (u, tokens[k].column)
                k += 2
            } else if k < tokens.count && tokens[k].lower == "every" {
                let period = try timeAt(k + 1, "a period after 'every'")
                guard period.microseconds >= 1_000_000 else { throw failure(tokens[k + 1].column, "a period is at least 1s, found \(period)") }
                guard k + 2 < tokens.count, tokens[k + 2].lower == "for" else {
                    throw failure(k + 2 < tokens.count ? tokens[k + 2].column : end, "expected 'for' and how long to repeat, like 'every 2m for 10m'")
                }
                let span = try timeAt(k + 3, "how long to repeat")
                guard span.microseconds / period.microseconds <= 10_000 else {
                    throw failure(tokens[k + 3].column, "\(span) every \(period) is more than 10000 steps")
                }
                every = (period, span)
                k += 4
            }
            guard k < tokens.count else {
                throw failure(end, "expected a command after '\(InputText.shown(tokens.map(\.text).joined(separator: " ")))', found end of line")
            }
            let commandColumn = tokens[k].column
            let command: OperatorCommand
            do {
                let rest = String(line.dropFirst(commandColumn - 1))
                if let shape {
                    command = try CommandParser.parse(rest, shape: shape)
                } else {
                    command = try CommandParser.parse(rest)
                }
            } catch {
                throw failure(commandColumn - 1 + error.column, error.message)
            }
            if let until {
                guard let end = ending(of: command, consumers: consumers) else {
                    throw failure(commandColumn, "'\(command)' has no end to schedule; 'until' takes a fault with an opposite: crash shard or coordinator, fail, drain or slow a node, gateway down, slow or timeouts, payouts pause, consumers, breaker off, ejection off, retries budget off")
                }
                steps.append(Step(at: time, command: command, line: lineNumber, column: commandColumn))
                steps.append(Step(at: until.at, command: end, line: lineNumber, column: until.column))
            } else if let every {
                var t = time
                while t < time + every.span {
                    steps.append(Step(at: t, command: command, line: lineNumber, column: commandColumn))
                    t = t + every.period
                }
            } else {
                if case let .consumers(g, n) = command { consumers[g] = n }
                steps.append(Step(at: time, command: command, line: lineNumber, column: commandColumn))
            }
        }
        // Repeats and ends interleave with later lines: in time order, file order within a time.
        steps = steps.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        return Scenario(steps: steps, thresholds: thresholds, thresholdLines: thresholdLines)
    }
}
