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

    /// Connects, logs in and selects the database.
    public init(url: RedisURL, timeoutMilliseconds: Int = 1_000) throws(RedisError) {
        self.url = url
        let tv = timeval(tv_sec: timeoutMilliseconds / 1_000, tv_usec: Int((timeoutMilliseconds % 1_000) * 1_000))
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
        case .error(let e) where e.hasPrefix("NOAUTH"):
            throw RedisError(kind: .authentication, host: url.host, port: url.port, reason: RedisConnection.explainAuth(e))
        case .error(let e):
            throw RedisError(kind: .database, host: url.host, port: url.port, reason: "db \(url.db): \(e)")
        default:
            break
        }
    }

    deinit { redisFree(context) }

    static func errorString(_ ctx: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: ctx.pointee.errstr) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
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
