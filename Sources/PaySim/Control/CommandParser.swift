/// Why an operator's command line did not parse.
public struct CommandParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based column (in characters) of the offending token's first character;
    /// one past the end of the command text when a token is missing.
    public var column: Int
    /// The bad token, or "" when a token is missing.
    public var token: String
    /// What is wrong and what would be valid.
    public var message: String

    public init(column: Int, token: String, message: String) {
        self.column = column
        self.token = token
        self.message = message
    }

    public var description: String { "column \(column): \(message)" }
}

/// Reads the operator's command language, the same text the console prompt,
/// scenario files and session logs use:
///
///     spike 5x for 30s payment      rate 2000 [workload]
///     ramp rate 1000 to 8000 over 5m [workload]
///     mix payment=60,topup=25,trade=15
///     drain|fail|recover node-3     slow node-3 8x     weight node-3 4
///     lb rr|wrr|random|leastconn|p2c|hash              protocol 2pc|3pc
///     crash|restore shard-2         crash|restore coordinator node-1
///     partition shard-2 for 10s     partition shard-1,shard-2 | shard-3,shard-4,node-4 for 30s
///     cache flush                   cache capacity 20000
///     gateway down|up               consumers wallet-credit 4
///     retries budget 20%|on|off     retries attempts 3
///     breaker on|off                bulkhead 64|off
///     deadline 5s|off               ejection on|off
///     ratelimit 100|off             pause         resume
///
/// Keywords are case-insensitive, tokens are separated by whitespace and a
/// `#` starts a comment that runs to the end of the line.
public enum CommandParser {
    /// The command words, in the order help text lists them.
    public static let keywords: [String] = [
        "spike", "rate", "ramp", "mix", "drain", "fail", "recover", "slow", "weight", "lb", "protocol",
        "crash", "restore", "partition", "cache", "gateway", "consumers", "retries", "breaker",
        "bulkhead", "deadline", "ejection", "ratelimit", "payouts", "settlement", "pause", "resume",
    ]

    /// The language in brief, a form and an example a line, for help screens.
    public static let grammar: [(form: String, example: String)] = [
        ("spike FACTOR for DURATION [workload]", "spike 5x for 30s payment"),
        ("rate TPS [workload]", "rate 2000"),
        ("ramp rate A to B over DURATION [workload]", "ramp rate 1000 to 8000 over 5m"),
        ("mix payment=P,topup=T,trade=R", "mix payment=60,topup=25,trade=15"),
        ("drain|fail|recover node-N", "fail node-2"),
        ("slow node-N FACTOR   weight node-N W", "slow node-3 8x"),
        ("lb rr|wrr|random|leastconn|p2c|hash", "lb leastconn"),
        ("protocol 2pc|3pc", "protocol 3pc"),
        ("crash|restore shard-N | coordinator node-N", "crash shard-2"),
        ("partition MEMBERS [| MEMBERS] for DURATION", "partition shard-1 | node-4 for 30s"),
        ("cache flush | capacity N", "cache capacity 20000"),
        ("gateway down|up | slow FACTOR | timeouts P%", "gateway timeouts 20%"),
        ("consumers GROUP N", "consumers wallet-credit 4"),
        ("retries budget P%|on|off | attempts N", "retries budget off"),
        ("breaker|ejection on|off   bulkhead N|off", "breaker off"),
        ("deadline DURATION|off   ratelimit N|off", "deadline 5s"),
        ("payouts pause|resume   settlement fail-rate P%", "settlement fail-rate 5%"),
        ("pause   resume", "pause"),
    ]

    /// The consumer groups `consumers` accepts.
    public static let consumerGroups: [String] = ["settlement", "wallet-credit", "clearing", "notifications"]

    static let workloadNames = "payment, topup, trade"
    static let durationExamples = "500ms, 30s, 10m, 1h or 1m30s"

    /// Parses one command line.
    public static func parse(_ line: String) throws(CommandParseError) -> OperatorCommand {
        var r = Reader(line)
        guard let head = r.optional() else {
            throw CommandParseError(column: 1, token: "", message: "empty command; expected one of: \(keywords.joined(separator: ", "))")
        }
        let command: OperatorCommand
        switch head.lower {
        case "spike":
            let factor = try spikeFactor(r.next("a spike factor like 5x or 2.5x"))
            try r.keyword("for")
            let duration = try positiveDuration(r.next("a duration like \(durationExamples)"))
            command = .spike(factor: factor, duration: duration, workload: try optionalWorkload(&r))
        case "rate":
            let t = try r.next("a rate in tps: \(Limits.rateTPS.text)")
            guard let tps = number(t.lower), Simulation.validRate(tps) else {
                throw t.error("expected a rate in tps: \(Limits.rateTPS.text), found '\(InputText.shown(t.text))'")
            }
            command = .rate(tps: tps, workload: try optionalWorkload(&r))
        case "ramp":
            try r.keyword("rate")
            let a = try r.next("a starting rate in tps: \(Limits.rateTPS.text)")
            guard let from = number(a.lower), Simulation.validRate(from) else {
                throw a.error("expected a starting rate in tps: \(Limits.rateTPS.text), found '\(InputText.shown(a.text))'")
            }
            try r.keyword("to")
            let b = try r.next("a final rate in tps: \(Limits.rateTPS.text)")
            guard let to = number(b.lower), Simulation.validRate(to) else {
                throw b.error("expected a final rate in tps: \(Limits.rateTPS.text), found '\(InputText.shown(b.text))'")
            }
            try r.keyword("over")
            let duration = try positiveDuration(r.next("a duration like \(durationExamples)"))
            command = .ramp(from: from, to: to, duration: duration, workload: try optionalWorkload(&r))
        case "mix":
            command = .mix(try mix(&r))
        case "drain":
            command = .drainNode(try node(r.next("a node like node-3")))
        case "fail":
            command = .failNode(try node(r.next("a node like node-3")))
        case "recover":
            command = .recoverNode(try node(r.next("a node like node-3")))
        case "slow":
            let n = try node(r.next("a node like node-3"))
            let t = try r.next("a slowdown factor like 8x (\(Limits.slowFactor.text))")
            guard let f = factor(t.lower), Limits.slowFactor.contains(f) else {
                throw t.error("expected a slowdown factor like 8x (\(Limits.slowFactor.text)), found '\(InputText.shown(t.text))'")
            }
            command = .slowNode(n, factor: f)
        case "weight":
            let n = try node(r.next("a node like node-3"))
            let t = try r.next("a whole-number weight, \(Limits.nodeWeight.text)")
            guard let w = integer(t.lower), Limits.nodeWeight.contains(w) else {
                throw t.error("expected a whole-number weight, \(Limits.nodeWeight.text), found '\(InputText.shown(t.text))'")
            }
            command = .weightNode(n, weight: w)
        case "lb":
            let valid = BalancerAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")
            let t = try r.next("a balancer algorithm (one of: \(valid))")
            guard let a = BalancerAlgorithm(rawValue: t.lower) else {
                throw t.error("unknown balancer algorithm '\(InputText.shown(t.text))'; expected one of: \(valid)")
            }
            command = .balancer(a)
        case "protocol":
            let valid = CommitProtocol.allCases.map(\.rawValue).joined(separator: ", ")
            let t = try r.next("a commit protocol (one of: \(valid))")
            guard let p = CommitProtocol(rawValue: t.lower) else {
                throw t.error("unknown commit protocol '\(InputText.shown(t.text))'; expected one of: \(valid)")
            }
            command = .setProtocol(p)
        case "crash", "restore":
            let crash = head.lower == "crash"
            let t = try r.next("a shard like shard-2, or coordinator node-1")
            if t.lower == "coordinator" {
                let n = try node(r.next("a node like node-1"))
                command = crash ? .crashCoordinator(n) : .restoreCoordinator(n)
            } else {
                let s = try index(t, prefix: "shard", example: "shard-2", alternative: " or coordinator node-1")
                command = crash ? .crashShard(s) : .restoreShard(s)
            }
        case "partition":
            let sides = try partitionSides(&r)
            try r.keyword("for")
            command = .partition(sides: sides, duration: try positiveDuration(r.next("a duration like \(durationExamples)")))
        case "cache":
            let t = try r.next("flush or capacity")
            switch t.lower {
            case "flush":
                command = .cacheFlush
            case "capacity":
                let c = try r.next("a cache capacity, \(Limits.cacheCapacityEntries.text)")
                guard let n = integer(c.lower), Limits.cacheCapacityEntries.contains(n) else {
                    throw c.error("expected a cache capacity, \(Limits.cacheCapacityEntries.text), found '\(InputText.shown(c.text))'")
                }
                command = .cacheCapacity(n)
            default:
                throw t.error("expected flush or capacity after cache, found '\(InputText.shown(t.text))'")
            }
        case "gateway":
            let t = try r.next("down, up, slow or timeouts")
            switch t.lower {
            case "down": command = .gatewayDown
            case "up": command = .gatewayUp
            case "slow":
                let v = try r.next("a slowdown factor like 5x (\(Limits.gatewaySlowFactor.text))")
                guard let f = factor(v.lower), Limits.gatewaySlowFactor.contains(f) else {
                    throw v.error("expected a slowdown factor like 5x (\(Limits.gatewaySlowFactor.text)), found '\(InputText.shown(v.text))'")
                }
                command = .gatewaySlow(factor: f)
            case "timeouts":
                command = .gatewayTimeouts(percent: try percent(r.next("a share of calls like 20% (\(Limits.faultPercent.text))"), "a share of calls"))
            default: throw t.error("expected down, up, slow or timeouts after gateway, found '\(InputText.shown(t.text))'")
            }
        case "payouts":
            let t = try r.next("pause or resume")
            switch t.lower {
            case "pause": command = .payouts(paused: true)
            case "resume": command = .payouts(paused: false)
            default: throw t.error("expected pause or resume after payouts, found '\(InputText.shown(t.text))'")
            }
        case "settlement":
            let t = try r.next("fail-rate")
            guard t.lower == "fail-rate" else { throw t.error("expected fail-rate after settlement, found '\(InputText.shown(t.text))'") }
            command = .settlementFailRate(percent: try percent(r.next("a share of settlements like 5% (\(Limits.faultPercent.text))"), "a share of settlements"))
        case "consumers":
            let valid = consumerGroups.joined(separator: ", ")
            let g = try r.next("a consumer group (one of: \(valid))")
            guard consumerGroups.contains(g.lower) else {
                throw g.error("unknown consumer group '\(InputText.shown(g.text))'; expected one of: \(valid)")
            }
            let c = try r.next("a consumer count, \(Limits.consumers.text)")
            guard let n = integer(c.lower), Limits.consumers.contains(n) else {
                throw c.error("expected a consumer count, \(Limits.consumers.text), found '\(InputText.shown(c.text))'")
            }
            command = .consumers(group: g.lower, count: n)
        case "retries":
            let t = try r.next("budget or attempts")
            switch t.lower {
            case "budget":
                let v = try r.next("a share of requests like 20%, on or off")
                switch v.lower {
                case "off": command = .retryBudget(percent: nil)
                case "on": command = .retryBudget(percent: SimulationConfig().retryBudgetPercent)
                default:
                    guard v.lower.hasSuffix("%"), let p = number(v.lower.dropLast()), Limits.retryBudgetPercent.contains(p) else {
                        throw v.error("expected a share of requests like 20% (\(Limits.retryBudgetPercent.text)), on or off, found '\(InputText.shown(v.text))'")
                    }
                    command = .retryBudget(percent: p)
                }
            case "attempts":
                let v = try r.next("a number of attempts, \(Limits.retryAttempts.text)")
                guard let n = integer(v.lower), Limits.retryAttempts.contains(n) else {
                    throw v.error("expected a number of attempts, \(Limits.retryAttempts.text), found '\(InputText.shown(v.text))'")
                }
                command = .retryAttempts(n)
            default:
                throw t.error("expected budget or attempts after retries, found '\(InputText.shown(t.text))'")
            }
        case "breaker":
            command = .breakers(try onOff(r.next("on or off")))
        case "ejection":
            command = .ejection(try onOff(r.next("on or off")))
        case "bulkhead":
            let v = try r.next("connections per node (\(Limits.bulkheadConnections.text)) or off")
            if v.lower == "off" {
                command = .bulkhead(connections: nil)
            } else {
                guard let n = integer(v.lower), Limits.bulkheadConnections.contains(n) else {
                    throw v.error("expected connections per node (\(Limits.bulkheadConnections.text)) or off, found '\(InputText.shown(v.text))'")
                }
                command = .bulkhead(connections: n)
            }
        case "deadline":
            let v = try r.next("a duration like 5s (\(Limits.requestDeadlineMicroseconds.text)) or off")
            if v.lower == "off" {
                command = .deadline(nil)
            } else {
                guard let d = try? SimDuration.parse(v.lower), Limits.requestDeadlineMicroseconds.contains(d.microseconds) else {
                    throw v.error("expected a duration like 5s (\(Limits.requestDeadlineMicroseconds.text)) or off, found '\(InputText.shown(v.text))'")
                }
                command = .deadline(d)
            }
        case "ratelimit":
            let v = try r.next("requests per second per merchant (\(Limits.merchantRateLimitPerSecond.text)) or off")
            if v.lower == "off" {
                command = .rateLimit(perSecond: nil)
            } else {
                let body = v.lower.hasSuffix("/s") ? v.lower.dropLast(2) : Substring(v.lower)
                guard let n = number(body), Limits.merchantRateLimitPerSecond.contains(n) else {
                    throw v.error("expected requests per second per merchant like 100 or 100/s (\(Limits.merchantRateLimitPerSecond.text)) or off, found '\(InputText.shown(v.text))'")
                }
                command = .rateLimit(perSecond: n)
            }
        case "pause":
            command = .pause
        case "resume":
            command = .resume
        default:
            throw head.error("unknown command '\(InputText.shown(head.text))'; expected one of: \(keywords.joined(separator: ", "))")
        }
        try r.finish()
        return command
    }

    // MARK: - Tokens

    struct Token {
        var text: String
        var lower: String
        /// 1-based column of the first character.
        var column: Int

        func error(_ message: String) -> CommandParseError {
            CommandParseError(column: column, token: text, message: message)
        }
    }

    /// Splits a line into whitespace-separated tokens, stopping at `#`.
    /// `end` is the column one past the command text (the line's end, or the `#`).
    static func tokenize(_ line: some StringProtocol) -> (tokens: [Token], end: Int) {
        var tokens: [Token] = []
        var current = ""
        var start = 0
        var column = 0
        func flush() {
            if !current.isEmpty {
                tokens.append(Token(text: current, lower: current.lowercased(), column: start))
                current = ""
            }
        }
        for ch in line {
            column += 1
            if ch == "#" {
                flush()
                return (tokens, column)
            }
            if ch.isWhitespace {
                flush()
            } else {
                if current.isEmpty { start = column }
                current.append(ch)
            }
        }
        flush()
        return (tokens, column + 1)
    }

    struct Reader {
        var tokens: [Token]
        var end: Int
        var position = 0

        init(_ line: String) {
            (tokens, end) = CommandParser.tokenize(line)
        }

        mutating func optional() -> Token? {
            guard position < tokens.count else { return nil }
            position += 1
            return tokens[position - 1]
        }

        mutating func next(_ expected: String) throws(CommandParseError) -> Token {
            guard let t = optional() else {
                throw CommandParseError(column: end, token: "", message: "expected \(expected), found end of command")
            }
            return t
        }

        func peek() -> Token? { position < tokens.count ? tokens[position] : nil }

        mutating func keyword(_ word: String) throws(CommandParseError) {
            let t = try next("'\(InputText.shown(word))'")
            guard t.lower == word else { throw t.error("expected '\(InputText.shown(word))', found '\(InputText.shown(t.text))'") }
        }

        /// Every token after position has been read.
        var remaining: ArraySlice<Token> { tokens[position...] }

        func finish() throws(CommandParseError) {
            if let extra = remaining.first {
                throw extra.error("unexpected '\(InputText.shown(extra.text))' after the command")
            }
        }
    }

    // MARK: - Values

    static func node(_ t: Token) throws(CommandParseError) -> Int {
        try index(t, prefix: "node", example: "node-3")
    }

    static func shard(_ t: Token) throws(CommandParseError) -> Int {
        try index(t, prefix: "shard", example: "shard-2")
    }

    /// Reads `node-N` / `shard-N` (N ≥ 1) as the 0-based index N-1.
    static func index(_ t: Token, prefix: String, example: String, alternative: String = "") throws(CommandParseError) -> Int {
        let bad = t.error("expected a \(prefix) like \(example)\(alternative), found '\(InputText.shown(t.text))'")
        guard t.lower.hasPrefix(prefix + "-") else { throw bad }
        let digits = t.lower.dropFirst(prefix.count + 1)
        guard !digits.isEmpty, digits.allSatisfy(isDigit), let n = Int(digits) else { throw bad }
        guard n >= 1 else {
            throw t.error("expected a \(prefix) like \(example)\(alternative), found '\(InputText.shown(t.text))' (\(prefix)s are numbered from 1)")
        }
        return n - 1
    }

    static func isDigit(_ c: Character) -> Bool { c.isASCII && c.isWholeNumber }

    /// A finite decimal number: optional sign, digits with an optional
    /// fraction, an optional exponent. No hex, `inf` or `nan`.
    static func number(_ s: some StringProtocol) -> Double? {
        let chars = Array(s)
        var i = 0
        if i < chars.count, chars[i] == "+" || chars[i] == "-" { i += 1 }
        var mantissaDigits = 0
        while i < chars.count, isDigit(chars[i]) { i += 1; mantissaDigits += 1 }
        if i < chars.count, chars[i] == "." {
            i += 1
            while i < chars.count, isDigit(chars[i]) { i += 1; mantissaDigits += 1 }
        }
        guard mantissaDigits > 0 else { return nil }
        if i < chars.count, chars[i] == "e" || chars[i] == "E" {
            i += 1
            if i < chars.count, chars[i] == "+" || chars[i] == "-" { i += 1 }
            var exponentDigits = 0
            while i < chars.count, isDigit(chars[i]) { i += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return nil }
        }
        guard i == chars.count, let v = Double(String(s)), v.isFinite else { return nil }
        return v == 0 ? 0 : v  // no -0
    }

    /// A whole number with an optional sign; nil when it does not fit an Int.
    static func integer(_ s: some StringProtocol) -> Int? {
        var digits = Substring(s)
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy(isDigit) else { return nil }
        return Int(s)
    }

    /// `5x`, `2.5x`, `5×` or `×5` (the text already lowercased).
    static func factor(_ s: String) -> Double? {
        let body: Substring
        if s.hasSuffix("x") || s.hasSuffix("×") {
            body = s.dropLast()
        } else if s.hasPrefix("×") {
            body = s.dropFirst()
        } else {
            return nil
        }
        return number(body)
    }

    /// `20%`, within `Limits.faultPercent`.
    static func percent(_ t: Token, _ what: String) throws(CommandParseError) -> Double {
        guard t.lower.hasSuffix("%"), let p = number(t.lower.dropLast()), Limits.faultPercent.contains(p) else {
            throw t.error("expected \(what) like 20% (\(Limits.faultPercent.text)), found '\(InputText.shown(t.text))'")
        }
        return p
    }

    static func spikeFactor(_ t: Token) throws(CommandParseError) -> Double {
        guard let f = factor(t.lower), Limits.spikeFactor.contains(f) else {
            throw t.error("expected a spike factor like 5x or 2.5x (\(Limits.spikeFactor.text)), found '\(InputText.shown(t.text))'")
        }
        return f
    }

    static func positiveDuration(_ t: Token) throws(CommandParseError) -> SimDuration {
        let d: SimDuration
        do {
            d = try SimDuration.parse(t.lower)
        } catch {
            throw t.error("expected a duration like \(durationExamples), found '\(InputText.shown(t.text))'")
        }
        guard Limits.commandDurationMicroseconds.contains(d.microseconds) else {
            throw t.error("expected a positive duration like \(durationExamples), \(Limits.commandDurationMicroseconds.text), found '\(InputText.shown(t.text))'")
        }
        return d
    }

    static func onOff(_ t: Token) throws(CommandParseError) -> Bool {
        switch t.lower {
        case "on": return true
        case "off": return false
        default: throw t.error("expected on or off, found '\(InputText.shown(t.text))'")
        }
    }

    /// The member lists of a partition, up to `for`: `shard-2`, or
    /// `shard-1,shard-2 | shard-3,node-4`. Commas and bars may stand alone
    /// or touch the names.
    static func partitionSides(_ r: inout Reader) throws(CommandParseError) -> [[NetworkMember]] {
        let example = "shards or nodes like shard-2, or sides like shard-1,shard-2 | shard-3,shard-4"
        var sides: [[NetworkMember]] = [[]]
        var seen: [NetworkMember: Int] = [:]
        var lastColumn = r.end
        while let t = r.peek(), t.lower != "for" {
            _ = r.optional()
            lastColumn = t.column
            var column = t.column
            var piece = ""
            var pieceColumn = column
            func flush() throws(CommandParseError) {
                defer { piece = "" }
                guard !piece.isEmpty else { return }
                let token = Token(text: piece, lower: piece.lowercased(), column: pieceColumn)
                let member: NetworkMember
                let named = sides.contains { !$0.isEmpty }
                if named && !token.lower.hasPrefix("node") && !token.lower.hasPrefix("shard") {
                    throw token.error("expected 'for' (or another shard or node), found '\(InputText.shown(token.text))'")
                }
                if token.lower.hasPrefix("node") {
                    member = .node(try index(token, prefix: "node", example: "node-3"))
                } else {
                    member = .shard(try index(token, prefix: "shard", example: "shard-2", alternative: " or a node like node-3"))
                }
                if seen[member] != nil { throw token.error("\(token.text) is named twice in the partition") }
                seen[member] = sides.count - 1
                sides[sides.count - 1].append(member)
            }
            for ch in t.text {
                if ch == "," || ch == "|" {
                    try flush()
                    if ch == "|" {
                        guard !sides[sides.count - 1].isEmpty else {
                            throw CommandParseError(column: column, token: "|", message: "expected \(example) before '|'")
                        }
                        sides.append([])
                    }
                    pieceColumn = column + 1
                } else {
                    if piece.isEmpty { pieceColumn = column }
                    piece.append(ch)
                }
                column += 1
            }
            try flush()
        }
        guard !sides[sides.count - 1].isEmpty else {
            let column = r.peek()?.column ?? (sides.count == 1 ? r.end : lastColumn)
            throw CommandParseError(column: column, token: "", message: "expected \(example)")
        }
        return sides
    }

    static func optionalWorkload(_ r: inout Reader) throws(CommandParseError) -> Workload? {
        guard let t = r.optional() else { return nil }
        guard let w = Workload(name: t.text) else {
            throw t.error("expected a workload (\(workloadNames)) or the end of the command, found '\(InputText.shown(t.text))'")
        }
        return w
    }

    /// The rest of the line is the mix; spaces after commas are allowed.
    static func mix(_ r: inout Reader) throws(CommandParseError) -> WorkloadMix {
        let example = "expected workload=percent pairs summing to 100, like payment=60,topup=25,trade=15"
        guard r.position < r.tokens.count else {
            throw CommandParseError(column: r.end, token: "", message: "\(example), found end of command")
        }
        let parts = Array(r.remaining)
        r.position = r.tokens.count
        var text = ""
        var columns: [Int] = []
        for part in parts {
            var c = part.column
            for ch in part.text {
                text.append(ch)
                columns.append(c)
                c += 1
            }
        }
        do {
            return try WorkloadMix.parse(text)
        } catch {
            let column = error.offset >= 0 && error.offset < columns.count ? columns[error.offset] : parts[0].column
            throw CommandParseError(column: column, token: text, message: "\(error.reason); \(example)")
        }
    }

    // MARK: - Completion

    /// Candidates for the last word of a partial command line (the empty word
    /// when the line ends in whitespace), sorted.
    public static func completions(for prefix: String, nodes: Int, shards: Int) -> [String] {
        if prefix.contains("#") { return [] }
        var words = prefix.split(whereSeparator: \.isWhitespace).map { $0.lowercased() }
        var partial = ""
        if let last = prefix.last, !last.isWhitespace, !words.isEmpty { partial = words.removeLast() }
        let nodeNames = nodes > 0 ? (1...nodes).map { "node-\($0)" } : []
        let shardNames = shards > 0 ? (1...shards).map { "shard-\($0)" } : []
        let workloads = Workload.allCases.map(\.name)
        var candidates: [String] = []
        if words.isEmpty {
            candidates = keywords
        } else {
            switch (words[0], words.count) {
            case ("spike", 2): candidates = ["for"]
            case ("partition", _) where words.count >= 2 && !words.contains("for"): candidates = ["for", "|"] + shardNames + nodeNames
            case ("spike", 4), ("rate", 2): candidates = workloads
            case ("drain", 1), ("fail", 1), ("recover", 1), ("slow", 1), ("weight", 1): candidates = nodeNames
            case ("lb", 1): candidates = BalancerAlgorithm.allCases.map(\.rawValue)
            case ("protocol", 1): candidates = CommitProtocol.allCases.map(\.rawValue)
            case ("crash", 1), ("restore", 1): candidates = ["coordinator"] + shardNames
            case ("crash", 2), ("restore", 2): candidates = words[1] == "coordinator" ? nodeNames : []
            case ("partition", 1): candidates = shardNames + nodeNames
            case ("cache", 1): candidates = ["flush", "capacity"]
            case ("gateway", 1): candidates = ["down", "slow", "timeouts", "up"]
            case ("payouts", 1): candidates = ["pause", "resume"]
            case ("settlement", 1): candidates = ["fail-rate"]
            case ("consumers", 1): candidates = consumerGroups
            case ("retries", 1): candidates = ["budget", "attempts"]
            case ("retries", 2): candidates = words[1] == "budget" ? ["on", "off"] : []
            case ("breaker", 1), ("ejection", 1): candidates = ["on", "off"]
            case ("bulkhead", 1), ("deadline", 1), ("ratelimit", 1): candidates = ["off"]
            default: candidates = []
            }
        }
        return candidates.filter { $0.hasPrefix(partial) }.sorted()
    }
}

// MARK: - Canonical text

extension OperatorCommand: CustomStringConvertible {
    /// The canonical command text; `CommandParser.parse(c.description) == c`
    /// for every command the parser accepts.
    public var description: String {
        switch self {
        case let .spike(factor, duration, workload):
            "spike \(Self.number(factor))x for \(duration)\(workload.map { " \($0.name)" } ?? "")"
        case let .rate(tps, workload):
            "rate \(Self.number(tps))\(workload.map { " \($0.name)" } ?? "")"
        case let .ramp(from, to, duration, workload):
            "ramp rate \(Self.number(from)) to \(Self.number(to)) over \(duration)\(workload.map { " \($0.name)" } ?? "")"
        case .mix(let m): "mix \(m)"
        case .setProtocol(let p): "protocol \(p.rawValue)"
        case .crashShard(let s): "crash \(Self.name("shard", s))"
        case .restoreShard(let s): "restore \(Self.name("shard", s))"
        case .crashCoordinator(let n): "crash coordinator \(Self.name("node", n))"
        case .restoreCoordinator(let n): "restore coordinator \(Self.name("node", n))"
        case let .partition(sides, duration): "partition \(Self.partitionText(sides)) for \(duration)"
        case .gatewayDown: "gateway down"
        case .gatewayUp: "gateway up"
        case .gatewaySlow(let f): "gateway slow \(Self.number(f))x"
        case .gatewayTimeouts(let p): "gateway timeouts \(Self.number(p))%"
        case .payouts(let paused): "payouts \(paused ? "pause" : "resume")"
        case .settlementFailRate(let p): "settlement fail-rate \(Self.number(p))%"
        case .pause: "pause"
        case .resume: "resume"
        case .drainNode(let n): "drain \(Self.name("node", n))"
        case .failNode(let n): "fail \(Self.name("node", n))"
        case .recoverNode(let n): "recover \(Self.name("node", n))"
        case let .slowNode(n, factor): "slow \(Self.name("node", n)) \(Self.number(factor))x"
        case let .weightNode(n, weight): "weight \(Self.name("node", n)) \(weight)"
        case .balancer(let a): "lb \(a.rawValue)"
        case .cacheFlush: "cache flush"
        case .cacheCapacity(let c): "cache capacity \(c)"
        case let .consumers(group, count): "consumers \(group) \(count)"
        case .retryBudget(let p): "retries budget \(p.map { Self.number($0) + "%" } ?? "off")"
        case .retryAttempts(let n): "retries attempts \(n)"
        case .breakers(let on): "breaker \(on ? "on" : "off")"
        case .bulkhead(let c): "bulkhead \(c.map(String.init) ?? "off")"
        case .deadline(let d): "deadline \(d.map { "\($0)" } ?? "off")"
        case .ejection(let on): "ejection \(on ? "on" : "off")"
        case .rateLimit(let r): "ratelimit \(r.map(Self.number) ?? "off")"
        }
    }

    /// `shard-1,shard-2 | shard-3,node-4`.
    static func partitionText(_ sides: [[NetworkMember]]) -> String {
        sides.map { side in
            side.map { m in
                switch m {
                case .shard(let s): name("shard", s)
                case .node(let n): name("node", n)
                }
            }.joined(separator: ",")
        }.joined(separator: " | ")
    }

    /// `node-N` / `shard-N` from a 0-based index, without overflowing.
    static func name(_ kind: String, _ index: Int) -> String {
        "\(kind)-\(index < 0 ? String(index + 1) : String(UInt(index) + 1))"
    }

    /// A number without a trailing `.0`.
    public static func number(_ v: Double) -> String {
        v.isFinite && v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
