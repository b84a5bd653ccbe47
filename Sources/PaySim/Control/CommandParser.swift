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
///     mix payment=60,topup=25,trade=15
///     drain|fail|recover node-3     slow node-3 8x     weight node-3 4
///     lb rr|wrr|random|leastconn|p2c|hash              protocol 2pc|3pc
///     crash|restore shard-2         crash|restore coordinator node-1
///     partition shard-2 for 10s     cache flush        cache capacity 20000
///     gateway down|up               consumers wallet-credit 4
///     pause                         resume
///
/// Keywords are case-insensitive, tokens are separated by whitespace and a
/// `#` starts a comment that runs to the end of the line.
public enum CommandParser {
    /// The command words, in the order help text lists them.
    public static let keywords: [String] = [
        "spike", "rate", "mix", "drain", "fail", "recover", "slow", "weight", "lb", "protocol",
        "crash", "restore", "partition", "cache", "gateway", "consumers", "pause", "resume",
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
            let t = try r.next("a rate in tps from 0 to 10000000")
            guard let tps = number(t.lower), tps >= 0, tps <= 10_000_000 else {
                throw t.error("expected a rate in tps from 0 to 10000000, found '\(t.text)'")
            }
            command = .rate(tps: tps, workload: try optionalWorkload(&r))
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
            let t = try r.next("a slowdown factor like 8x (from 1x to 1000x)")
            guard let f = factor(t.lower), f >= 1, f <= 1_000 else {
                throw t.error("expected a slowdown factor like 8x (from 1x to 1000x), found '\(t.text)'")
            }
            command = .slowNode(n, factor: f)
        case "weight":
            let n = try node(r.next("a node like node-3"))
            let t = try r.next("a whole-number weight from 0 to 100")
            guard let w = integer(t.lower), w >= 0, w <= 100 else {
                throw t.error("expected a whole-number weight from 0 to 100, found '\(t.text)'")
            }
            command = .weightNode(n, weight: w)
        case "lb":
            let valid = BalancerAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")
            let t = try r.next("a balancer algorithm (one of: \(valid))")
            guard let a = BalancerAlgorithm(rawValue: t.lower) else {
                throw t.error("unknown balancer algorithm '\(t.text)'; expected one of: \(valid)")
            }
            command = .balancer(a)
        case "protocol":
            let valid = CommitProtocol.allCases.map(\.rawValue).joined(separator: ", ")
            let t = try r.next("a commit protocol (one of: \(valid))")
            guard let p = CommitProtocol(rawValue: t.lower) else {
                throw t.error("unknown commit protocol '\(t.text)'; expected one of: \(valid)")
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
            let s = try shard(r.next("a shard like shard-2"))
            try r.keyword("for")
            command = .partitionShard(s, duration: try positiveDuration(r.next("a duration like \(durationExamples)")))
        case "cache":
            let t = try r.next("flush or capacity")
            switch t.lower {
            case "flush":
                command = .cacheFlush
            case "capacity":
                let c = try r.next("a cache capacity from 1 to 100000000 entries")
                guard let n = integer(c.lower), n >= 1, n <= 100_000_000 else {
                    throw c.error("expected a cache capacity from 1 to 100000000 entries, found '\(c.text)'")
                }
                command = .cacheCapacity(n)
            default:
                throw t.error("expected flush or capacity after cache, found '\(t.text)'")
            }
        case "gateway":
            let t = try r.next("down or up")
            switch t.lower {
            case "down": command = .gatewayDown
            case "up": command = .gatewayUp
            default: throw t.error("expected down or up after gateway, found '\(t.text)'")
            }
        case "consumers":
            let valid = consumerGroups.joined(separator: ", ")
            let g = try r.next("a consumer group (one of: \(valid))")
            guard consumerGroups.contains(g.lower) else {
                throw g.error("unknown consumer group '\(g.text)'; expected one of: \(valid)")
            }
            let c = try r.next("a consumer count from 0 to 64")
            guard let n = integer(c.lower), n >= 0, n <= 64 else {
                throw c.error("expected a consumer count from 0 to 64, found '\(c.text)'")
            }
            command = .consumers(group: g.lower, count: n)
        case "pause":
            command = .pause
        case "resume":
            command = .resume
        default:
            throw head.error("unknown command '\(head.text)'; expected one of: \(keywords.joined(separator: ", "))")
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

        mutating func keyword(_ word: String) throws(CommandParseError) {
            let t = try next("'\(word)'")
            guard t.lower == word else { throw t.error("expected '\(word)', found '\(t.text)'") }
        }

        /// Every token after position has been read.
        var remaining: ArraySlice<Token> { tokens[position...] }

        func finish() throws(CommandParseError) {
            if let extra = remaining.first {
                throw extra.error("unexpected '\(extra.text)' after the command")
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
        let bad = t.error("expected a \(prefix) like \(example)\(alternative), found '\(t.text)'")
        guard t.lower.hasPrefix(prefix + "-") else { throw bad }
        let digits = t.lower.dropFirst(prefix.count + 1)
        guard !digits.isEmpty, digits.allSatisfy(isDigit), let n = Int(digits) else { throw bad }
        guard n >= 1 else {
            throw t.error("expected a \(prefix) like \(example)\(alternative), found '\(t.text)' (\(prefix)s are numbered from 1)")
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

    static func spikeFactor(_ t: Token) throws(CommandParseError) -> Double {
        guard let f = factor(t.lower), f > 0, f <= 1_000 else {
            throw t.error("expected a spike factor like 5x or 2.5x (more than 0x, at most 1000x), found '\(t.text)'")
        }
        return f
    }

    static func positiveDuration(_ t: Token) throws(CommandParseError) -> SimDuration {
        let d: SimDuration
        do {
            d = try SimDuration.parse(t.lower)
        } catch {
            throw t.error("expected a duration like \(durationExamples), found '\(t.text)'")
        }
        guard d.microseconds > 0 else {
            throw t.error("expected a positive duration like \(durationExamples), found '\(t.text)'")
        }
        return d
    }

    static func optionalWorkload(_ r: inout Reader) throws(CommandParseError) -> Workload? {
        guard let t = r.optional() else { return nil }
        guard let w = Workload(name: t.text) else {
            throw t.error("expected a workload (\(workloadNames)) or the end of the command, found '\(t.text)'")
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
            case ("spike", 2), ("partition", 2): candidates = ["for"]
            case ("spike", 4), ("rate", 2): candidates = workloads
            case ("drain", 1), ("fail", 1), ("recover", 1), ("slow", 1), ("weight", 1): candidates = nodeNames
            case ("lb", 1): candidates = BalancerAlgorithm.allCases.map(\.rawValue)
            case ("protocol", 1): candidates = CommitProtocol.allCases.map(\.rawValue)
            case ("crash", 1), ("restore", 1): candidates = ["coordinator"] + shardNames
            case ("crash", 2), ("restore", 2): candidates = words[1] == "coordinator" ? nodeNames : []
            case ("partition", 1): candidates = shardNames
            case ("cache", 1): candidates = ["flush", "capacity"]
            case ("gateway", 1): candidates = ["down", "up"]
            case ("consumers", 1): candidates = consumerGroups
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
        case .mix(let m): "mix \(m)"
        case .setProtocol(let p): "protocol \(p.rawValue)"
        case .crashShard(let s): "crash \(Self.name("shard", s))"
        case .restoreShard(let s): "restore \(Self.name("shard", s))"
        case .crashCoordinator(let n): "crash coordinator \(Self.name("node", n))"
        case .restoreCoordinator(let n): "restore coordinator \(Self.name("node", n))"
        case let .partitionShard(s, duration): "partition \(Self.name("shard", s)) for \(duration)"
        case .gatewayDown: "gateway down"
        case .gatewayUp: "gateway up"
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
        }
    }

    /// `node-N` / `shard-N` from a 0-based index, without overflowing.
    static func name(_ kind: String, _ index: Int) -> String {
        "\(kind)-\(index < 0 ? String(index + 1) : String(UInt(index) + 1))"
    }

    /// A number without a trailing `.0`.
    static func number(_ v: Double) -> String {
        v.isFinite && v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
