import CHiredis
import PaySim
#if canImport(Glibc)
import Glibc
#endif

/// Why Redis could not be used: one line naming the server and the problem.
public struct RedisError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable { case unreachable, authentication, database, protocolError, connectionLost }
    public var kind: Kind
    public var host: String
    public var port: Int
    public var reason: String
    public var description: String {
        switch kind {
        case .unreachable: "cannot reach Redis at \(host):\(port): \(reason)"
        case .authentication: "Redis at \(host):\(port) refused the login: \(reason)"
        case .database: "Redis at \(host):\(port) refused the database: \(reason)"
        case .protocolError: "Redis at \(host):\(port) answered unexpectedly: \(reason)"
        case .connectionLost: "lost the connection to Redis at \(host):\(port): \(reason)"
        }
    }
}

/// A Redis reply, copied out of hiredis' memory.
public enum RedisReply: Equatable, Sendable {
    case string(String)
    case status(String)
    case integer(Int64)
    case array([RedisReply])
    case null
    case error(String)

    public var string: String? {
        switch self {
        case .string(let s), .status(let s): s
        default: nil
        }
    }
}

/// One hiredis connection with connect and command timeouts. It checks
/// `err` even on a non-nil context and always frees it, as hiredis requires.
/// Not thread-safe: one owner, like the simulation it serves.
public final class RedisConnection {
    let context: UnsafeMutablePointer<redisContext>
    public let url: RedisURL
    /// Scratch space for RESP encoding, reused across round trips.
    var resp: [UInt8] = []

    /// Connects, logs in and selects the database. The connection and the
    /// login get `handshakeMilliseconds` (a reconnect uses a short one, so a
    /// server that hangs cannot freeze the caller for long); every command
    /// after them gets `timeoutMilliseconds`.
    public init(url: RedisURL, timeoutMilliseconds: Int = 1_000, handshakeMilliseconds: Int? = nil) throws(RedisError) {
        _ = RedisConnection.ignoreBrokenPipes
        self.url = url
        func timeout(_ ms: Int) -> timeval { timeval(tv_sec: ms / 1_000, tv_usec: Int((ms % 1_000) * 1_000)) }
        let tv = timeout(handshakeMilliseconds ?? timeoutMilliseconds)
        guard let ctx = redisConnectWithTimeout(url.host, Int32(url.port), tv) else {
            throw RedisError(kind: .unreachable, host: url.host, port: url.port, reason: "out of memory")
        }
        if ctx.pointee.err != 0 {
            let reason = RedisConnection.errorString(ctx)
            redisFree(ctx)
            throw RedisError(kind: .unreachable, host: url.host, port: url.port, reason: reason)
        }
        _ = redisSetTimeout(ctx, tv)
        context = ctx
        if let password = url.password {
            let args = url.user.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            if case .error(let e) = try command(args) {
                throw RedisError(kind: .authentication, host: url.host, port: url.port, reason: RedisConnection.explainAuth(e))
            }
        }
        switch try command(["SELECT", String(url.db)]) {
        case .error(let e) where e.hasPrefix("LOADING"):
            throw RedisError(kind: .unreachable, host: url.host, port: url.port, reason: "it is still loading its data from disk")
        case .error(let e) where e.hasPrefix("NOAUTH"):
            throw RedisError(kind: .authentication, host: url.host, port: url.port, reason: RedisConnection.explainAuth(e))
        case .error(let e):
            throw RedisError(kind: .database, host: url.host, port: url.port, reason: "db \(url.db): \(e)")
        default:
            break
        }
        // A server replaying its append-only file answers LOADING to every
        // data command: it is not there yet, and is treated as unreachable.
        if case .error(let e) = try command(["PING"]), e.hasPrefix("LOADING") {
            throw RedisError(kind: .unreachable, host: url.host, port: url.port, reason: "it is still loading its data from disk")
        }
        _ = redisSetTimeout(context, timeout(timeoutMilliseconds))
    }

    deinit { redisFree(context) }

    /// A write to a server that has gone away must fail with EPIPE (a lost
    /// connection, reconnected later), not kill the process with SIGPIPE:
    /// hiredis writes with write(2), so the signal is ignored, once, for
    /// the process, as hiredis advises its users to do.
    static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    static func errorString(_ ctx: UnsafeMutablePointer<redisContext>) -> String {
        let s = withUnsafeBytes(of: ctx.pointee.errstr) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        // hiredis reports a read that timed out as the socket's EAGAIN.
        if s.contains("Resource temporarily unavailable") { return "timed out: the server accepted the connection but did not answer" }
        return s
    }

    static func explainAuth(_ e: String) -> String {
        if e.hasPrefix("NOAUTH") { return "a password is required (put it in the URL or PAYOPS_REDIS_PASSWORD)" }
        if e.hasPrefix("WRONGPASS") || e.contains("invalid password") || e.contains("invalid username-password") {
            return "wrong user name or password"
        }
        return e
    }

    /// Sends one command and waits for its reply.
    public func command(_ args: [String]) throws(RedisError) -> RedisReply {
        try pipeline([args])[0]
    }

    /// Sends every command, then reads every reply: one round trip for the batch.
    public func pipeline(_ commands: [[String]]) throws(RedisError) -> [RedisReply] {
        for args in commands {
            let ok = RedisConnection.withArgv(args) { argc, argv, lens in
                redisAppendCommandArgv(context, argc, argv, lens)
            }
            guard ok == payops_redis_ok() else { throw lost() }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == payops_redis_ok(), let reply = raw else { throw lost() }
            replies.append(RedisConnection.convert(reply.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(reply)
        }
        return replies
    }

    func lost() -> RedisError {
        RedisError(kind: .connectionLost, host: url.host, port: url.port, reason: RedisConnection.errorString(context))
    }

    /// Puts `commands` of `buffer` on the socket, encoded once as RESP and
    /// appended with `redisAppendFormattedCommand` (hiredis' own per-command
    /// formatting was a quarter of the client's time). Replies are read later.
    public func write(_ buffer: RedisCommandBuffer, commands: Range<Int>) throws(RedisError) {
        guard !commands.isEmpty else { return }
        buffer.encode(commands: commands, into: &resp)
        let rc = resp.withUnsafeBufferPointer { raw in
            raw.withMemoryRebound(to: CChar.self) { redisAppendFormattedCommand(context, $0.baseAddress!, $0.count) }
        }
        guard rc == payops_redis_ok(), writeOut() else { throw lost() }
    }

    /// Writes hiredis' output buffer to the socket (blocking until it is all out).
    func writeOut() -> Bool {
        var done: Int32 = 0
        while done == 0 {
            if redisBufferWrite(context, &done) != payops_redis_ok() { return false }
        }
        return true
    }

    /// Hands the next reply to `body` if it has already arrived; returns
    /// false, without waiting, if it has not.
    public func takeArrivedReply(_ body: (UnsafeMutablePointer<redisReply>) -> Void) throws(RedisError) -> Bool {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReplyFromReader(context, &raw) == payops_redis_ok() else { throw lost() }
        if raw == nil {
            var p = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 0) > 0 else { return false }
            guard redisBufferRead(context) == payops_redis_ok(),
                  redisGetReplyFromReader(context, &raw) == payops_redis_ok() else { throw lost() }
        }
        guard let reply = raw else { return false }
        body(reply.assumingMemoryBound(to: redisReply.self))
        freeReplyObject(reply)
        return true
    }

    /// Reads the next reply and hands it to `body` while hiredis still owns it.
    public func readReply<T>(_ body: (UnsafeMutablePointer<redisReply>) -> T) throws(RedisError) -> T {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == payops_redis_ok(), let reply = raw else { throw lost() }
        defer { freeReplyObject(reply) }
        return body(reply.assumingMemoryBound(to: redisReply.self))
    }

    /// A bulk-string reply that is a decimal integer, read in place; nil otherwise.
    public static func integerValue(_ r: UnsafeMutablePointer<redisReply>) -> Int64? {
        guard Int32(r.pointee.type) == payops_redis_reply_string(), let p = r.pointee.str else { return nil }
        let n = Int(r.pointee.len)
        guard n > 0 && n <= 19 else { return nil }
        var v: Int64 = 0, i = 0, negative = false
        if p[0] == 45 /* - */ { negative = true; i = 1; guard n > 1 else { return nil } }
        while i < n {
            let d = Int64(p[i]) - 48
            guard d >= 0 && d <= 9 else { return nil }
            v = v * 10 + d
            i += 1
        }
        return negative ? -v : v
    }

    static func withArgv(_ args: [String], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Int32) -> Int32 {
        let copies = args.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var argv: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
        let lens = args.map { $0.utf8.count }
        return argv.withUnsafeMutableBufferPointer { a in lens.withUnsafeBufferPointer { l in body(Int32(args.count), a.baseAddress!, l.baseAddress!) } }
    }

    static func convert(_ r: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let type = Int32(r.pointee.type)
        switch type {
        case payops_redis_reply_string(): return .string(String(decoding: UnsafeRawBufferPointer(start: r.pointee.str, count: Int(r.pointee.len)), as: UTF8.self))
        case payops_redis_reply_status(): return .status(String(cString: r.pointee.str))
        case payops_redis_reply_error(): return .error(String(cString: r.pointee.str))
        case payops_redis_reply_integer(): return .integer(Int64(r.pointee.integer))
        case payops_redis_reply_array():
            return .array((0..<Int(r.pointee.elements)).map { convert(r.pointee.element[$0]!) })
        default: return .null
        }
    }
}

/// Commands laid out in one byte buffer: arguments are appended without a
/// String or an allocation each, and `RedisConnection.append` encodes them
/// as RESP for hiredis in one pass.
public struct RedisCommandBuffer {
    public private(set) var bytes: [UInt8] = []
    /// End offset in `bytes` of each argument.
    public private(set) var argEnds: [Int] = []
    /// End index in `argEnds` of each command.
    public private(set) var commandEnds: [Int] = []

    public init() {}

    public var count: Int { commandEnds.count }
    public var isEmpty: Bool { commandEnds.isEmpty }

    /// Appends `args` as one command.
    public mutating func command(_ args: [String]) {
        for a in args { add(a) }
        endCommand()
    }

    /// Appends a whole argument.
    public mutating func add(_ s: String) {
        append(s)
        endArgument()
    }

    /// Appends to the argument being built.
    public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    public mutating func append(_ bytes: [UInt8]) { self.bytes.append(contentsOf: bytes) }

    /// Appends a decimal integer to the argument being built.
    public mutating func append(_ v: Int64) {
        if v < 0 { bytes.append(45) }
        RedisCommandBuffer.appendDecimal(v.magnitude, to: &bytes)
    }

    static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        var m = value, divisor: UInt64 = 1
        while m >= 10 { m /= 10; divisor *= 10 }
        m = value
        while divisor > 0 {
            out.append(UInt8(truncatingIfNeeded: 48 &+ m / divisor))
            m %= divisor
            divisor /= 10
        }
    }

    /// Writes `commands` as RESP arrays of bulk strings into `out` (replacing it).
    public func encode(commands: Range<Int>, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        var arg = commands.lowerBound == 0 ? 0 : commandEnds[commands.lowerBound - 1]
        var start = arg == 0 ? 0 : argEnds[arg - 1]
        bytes.withUnsafeBufferPointer { src in
            for c in commands {
                let end = commandEnds[c]
                out.append(42)  // *
                RedisCommandBuffer.appendDecimal(UInt64(end - arg), to: &out)
                out.append(13); out.append(10)
                while arg < end {
                    let stop = argEnds[arg]
                    out.append(36)  // $
                    RedisCommandBuffer.appendDecimal(UInt64(stop - start), to: &out)
                    out.append(13); out.append(10)
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: src[start..<stop]))
                    out.append(13); out.append(10)
                    start = stop
                    arg += 1
                }
            }
        }
    }

    public mutating func endArgument() { argEnds.append(bytes.count) }

    public mutating func endCommand() {
        commandEnds.append(argEnds.count)
    }

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        argEnds.removeAll(keepingCapacity: true)
        commandEnds.removeAll(keepingCapacity: true)
    }
}
