import CHiredis
import PaySim

/// A Redis connection that pipelines: commands are held and go out on the
/// socket in chunks of `writeEvery` as they accumulate, so the server works
/// on the first while the caller is still producing the rest; `flush` sends
/// what is left and reads every reply (`redisGetReply`), taking the ones
/// that have already arrived as it goes. One flush is one round trip.
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
    /// Commands of this round trip, and what to do with each reply.
    public var buffer = RedisCommandBuffer()
    var sinks: [Sink] = []
    /// Commands of this round already on the socket, and replies already taken.
    var written = 0
    var taken = 0
    /// Set when the connection failed during this round.
    var roundFailed = false
    static let writeEvery = 64
    /// The answers of the last round trip's `expectInteger` commands, by slot.
    public private(set) var integers: [Int64?] = []

    enum Sink {
        case discard
        case handler((RedisReply?) -> Void)
        case integer(Int)
    }
    /// When each owner last renewed its keys' lease, and when the heartbeat was renewed (`renewLease`).
    var leaseRenewed: [String: ContinuousClock.Instant] = [:]
    var heartbeatRenewed: ContinuousClock.Instant?
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
            return true
        } catch {
            lastError = error
            backoff = min(backoff * 2, RedisPipe.maxBackoff)
            nextAttempt = now + backoff
            return false
        }
    }

    /// Holds a command for the next round trip; `reply` gets its answer as
    /// soon as it is read, or nil if the server could not be reached. A
    /// handler must not send: it may run while the round is being written.
    public func send(_ args: [String], reply: ((RedisReply?) -> Void)? = nil) {
        buffer.command(args)
        hold(reply.map { .handler($0) } ?? .discard)
    }

    /// Holds the command just built in `buffer` (ended with `endCommand`),
    /// whose reply is discarded.
    public func heldCommandDiscardingReply() { hold(.discard) }

    /// Holds the command just built in `buffer`, whose reply is a decimal
    /// integer or nil; returns its slot in `integers` after the next flush.
    public func heldCommandExpectingInteger() -> Int {
        let slot = sinks.isEmpty ? 0 : integers.count
        hold(.integer(slot))
        return slot
    }

    /// The first command of a round also starts a new set of `integers`.
    func hold(_ sink: Sink) {
        if sinks.isEmpty { integers.removeAll(keepingCapacity: true) }
        if case .integer = sink { integers.append(nil) }
        sinks.append(sink)
        if sinks.count - written >= RedisPipe.writeEvery, connection != nil { writeHeld() }
    }

    /// Puts every held command not yet written on the socket and takes the
    /// replies that have already arrived.
    func writeHeld() {
        guard !roundFailed, let c = connection else { return }
        do {
            try c.write(buffer, commands: written..<sinks.count)
            written = sinks.count
            while taken < written, try c.takeArrivedReply(take) {}
        } catch {
            markLost(error)
            roundFailed = true
        }
    }

    func take(_ r: UnsafeMutablePointer<redisReply>) {
        switch sinks[taken] {
        case .discard: break
        case .integer(let slot): integers[slot] = RedisConnection.integerValue(r)
        case .handler(let h): h(RedisConnection.convert(r))
        }
        taken += 1
    }

    /// Sends what is left of the round and reads every reply: one round trip.
    public func flush() {
        guard !sinks.isEmpty else { return }
        // Nothing of this round is out yet: a lost connection may be retried.
        if written == 0 && !roundFailed { ensureConnected() }
        if !roundFailed, let c = connection {
            writeHeld()
            do {
                while !roundFailed && taken < sinks.count { try c.readReply(take) }
            } catch {
                markLost(error)
                roundFailed = true
            }
        } else {
            roundFailed = true
        }
        let pending = sinks, answeredCount = taken
        let ok = !roundFailed
        if ok {
            roundTrips += 1
            commandsSent += Int64(pending.count)
        }
        sinks.removeAll(keepingCapacity: true)
        buffer.removeAll()
        written = 0
        taken = 0
        roundFailed = false
        if !ok {
            for i in integers.indices { integers[i] = nil }
            // Handlers already answered keep their replies; the rest get nil.
            fail(pending[answeredCount...])
        }
    }

    func fail(_ pending: ArraySlice<Sink>) {
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
        nextAttempt = ContinuousClock.now + backoff
    }

    /// Reconnects if due. While the connection is down, returns the notices
    /// to give: the first poll of an outage reports it (`what` is down, and
    /// `effect` is what that means), later ones nothing. Nil once connected.
    func pollOutage(_ what: String, effect: String, reported: inout Bool) -> [BackendNotice]? {
        ensureConnected()
        guard connection == nil else {
            reported = false
            return nil
        }
        guard !reported else { return [] }
        reported = true
        return [BackendNotice(.crit, "\(what) \(url) DOWN: \(lastError?.reason ?? "connection lost"); \(effect)")]
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
