/// A Redis connection that holds commands and sends them together: every
/// command sent since the last `flush` goes out in one pipelined round trip
/// (`redisAppendCommandArgv` for each, then `redisGetReply` for each).
///
/// It survives the server going away: a failed round trip answers every
/// held command with nil and marks the pipe down; `ensureConnected`
/// reconnects with exponential backoff (50 ms doubling to 2 s, by the wall
/// clock) and bumps `generation`, so owners can tell a new connection —
/// possibly to a server that restarted empty — from the old one.
public final class RedisPipe {
    public let url: RedisURL
    let timeoutMilliseconds: Int
    var connection: RedisConnection?
    public private(set) var generation = 1
    public private(set) var lastError: RedisError?
    /// When the connection was lost, while it is.
    public private(set) var downSince: ContinuousClock.Instant?
    /// Commands held for the next round trip, and what to do with each reply.
    public var buffer = RedisCommandBuffer()
    var sinks: [Sink] = []
    var integerSlots = 0
    /// The answers of the last round trip's `expectInteger` commands, by slot.
    public private(set) var integers: [Int64?] = []

    enum Sink {
        case discard
        case handler((RedisReply?) -> Void)
        case integer(Int)
    }
    var nextAttempt = ContinuousClock.now
    var backoff: Duration = .milliseconds(50)
    static let maxBackoff: Duration = .seconds(2)
    /// A reconnect attempt waits at most this long for the server to answer.
    static let reconnectHandshakeMilliseconds = 200
    /// Round trips and commands sent, for benchmarks and tests.
    public private(set) var roundTrips: Int64 = 0
    public private(set) var commandsSent: Int64 = 0

    /// Connects at once: an unreachable server at start is the caller's error.
    public init(url: RedisURL, timeoutMilliseconds: Int = 1_000) throws(RedisError) {
        self.url = url
        self.timeoutMilliseconds = timeoutMilliseconds
        connection = try RedisConnection(url: url, timeoutMilliseconds: timeoutMilliseconds)
    }

    public var isConnected: Bool { connection != nil }
    public var heldCount: Int { sinks.count }

    /// Reconnects if the connection is lost and the backoff has passed.
    @discardableResult
    public func ensureConnected() -> Bool {
        if connection != nil { return true }
        let now = ContinuousClock.now
        guard now >= nextAttempt else { return false }
        do {
            connection = try RedisConnection(url: url, timeoutMilliseconds: timeoutMilliseconds,
                                             handshakeMilliseconds: RedisPipe.reconnectHandshakeMilliseconds)
            generation += 1
            backoff = .milliseconds(50)
            downSince = nil
            return true
        } catch {
            lastError = error
            backoff = min(backoff * 2, RedisPipe.maxBackoff)
            nextAttempt = now + backoff
            return false
        }
    }

    /// Holds a command for the next round trip; `reply` gets its answer, or
    /// nil if the server could not be reached.
    public func send(_ args: [String], reply: ((RedisReply?) -> Void)? = nil) {
        buffer.command(args)
        sinks.append(reply.map { .handler($0) } ?? .discard)
    }

    /// Holds the command just built in `buffer` (ended with `endCommand`),
    /// whose reply is discarded.
    public func heldCommandDiscardingReply() { sinks.append(.discard) }

    /// Holds the command just built in `buffer`, whose reply is a decimal
    /// integer or nil; returns its slot in `integers` after the next flush.
    public func heldCommandExpectingInteger() -> Int {
        defer { integerSlots += 1 }
        sinks.append(.integer(integerSlots))
        return integerSlots
    }

    /// Sends every held command in one round trip and hands out the replies.
    public func flush() {
        guard !sinks.isEmpty else { return }
        let pending = sinks
        let slots = integerSlots
        sinks.removeAll(keepingCapacity: true)
        integerSlots = 0
        integers.removeAll(keepingCapacity: true)
        integers.append(contentsOf: repeatElement(nil, count: slots))
        defer { buffer.removeAll() }
        guard ensureConnected(), let c = connection else {
            fail(pending)
            return
        }
        var answered: [((RedisReply?) -> Void, RedisReply)] = []
        do {
            try c.append(buffer)
            for sink in pending {
                try c.readReply { r in
                    switch sink {
                    case .discard: break
                    case .integer(let slot): integers[slot] = RedisConnection.integerValue(r)
                    case .handler(let h): answered.append((h, RedisConnection.convert(r)))
                    }
                }
            }
            roundTrips += 1
            commandsSent += Int64(pending.count)
        } catch {
            markLost(error)
            fail(pending)
            return
        }
        for (h, reply) in answered { h(reply) }
    }

    func fail(_ pending: [Sink]) {
        for case .handler(let h) in pending { h(nil) }
    }

    /// Sends `args` (after anything held) and waits for its reply.
    public func call(_ args: [String]) -> RedisReply? {
        var answer: RedisReply?
        send(args) { answer = $0 }
        flush()
        return answer
    }

    func markLost(_ error: RedisError) {
        lastError = error
        // A connection that failed mid-reply is not reused: its stream is out of step.
        connection = nil
        downSince = ContinuousClock.now
        nextAttempt = ContinuousClock.now + backoff
    }

    /// Deletes every key that starts with `prefix` (SCAN MATCH + UNLINK);
    /// nothing else is touched. Returns how many, or nil if the server
    /// could not be reached.
    public func removeKeys(prefix: String) -> Int? {
        flush()
        var cursor = "0"
        var removed = 0
        repeat {
            guard case .array(let parts)? = call(["SCAN", cursor, "MATCH", RedisPipe.globEscaped(prefix) + "*", "COUNT", "1000"]),
                  parts.count == 2, let next = parts[0].string, case .array(let keys) = parts[1] else { return nil }
            cursor = next
            let names = keys.compactMap(\.string)
            if !names.isEmpty {
                guard case .integer(let n)? = call(["UNLINK"] + names) else { return nil }
                removed += Int(n)
            }
        } while cursor != "0"
        return removed
    }

    /// `prefix` with glob characters escaped, so MATCH takes it literally.
    static func globEscaped(_ s: String) -> String {
        var out = ""
        for ch in s {
            if "*?[]\\".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
