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

    /// Parses scenario text; `file` names it in errors. With a `shape`, a
    /// node or shard that does not exist is an error at its column too.
    public static func parse(_ text: String, file: String, shape: PlatformShape? = nil) throws(ScenarioError) -> Scenario {
        var steps: [Step] = []
        var thresholds: [SLOThreshold] = [], thresholdLines: [Int] = []
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
            guard first.lower == "at" else {
                throw failure(first.column, "expected a step like 'at 90s spike 5x for 30s' or a threshold like 'slo payment.p99 < 300ms', found '\(InputText.shown(first.text))'")
            }
            guard tokens.count > 1 else {
                throw failure(end, "expected a time after 'at', like 0s, 90s or 1m30s, found end of line")
            }
            let timeToken = tokens[1]
            let time: SimDuration
            do {
                time = try SimDuration.parse(timeToken.lower)
            } catch {
                throw failure(timeToken.column, "expected a time like 0s, 90s or 1m30s, found '\(InputText.shown(timeToken.text))'")
            }
            if let previous = steps.last, time < previous.at {
                throw failure(timeToken.column, "time \(time) is earlier than the previous step's \(previous.at)")
            }
            guard tokens.count > 2 else {
                throw failure(end, "expected a command after 'at \(timeToken.text)', found end of line")
            }
            let commandColumn = tokens[2].column
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
            steps.append(Step(at: time, command: command, line: lineNumber, column: commandColumn))
        }
        return Scenario(steps: steps, thresholds: thresholds, thresholdLines: thresholdLines)
    }
}
