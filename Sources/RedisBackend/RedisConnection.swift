import CHiredis
import PaySim

/// Why a connection to Redis could not be made.
public struct RedisConnectionError: Error, Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var reason: String
    public var description: String { "cannot reach Redis at \(host):\(port): \(reason)" }
}

/// One hiredis connection. Checks `err` even on a non-nil context and always
/// frees it, as hiredis requires.
public final class RedisConnection {
    let context: UnsafeMutablePointer<redisContext>

    /// Connects with a timeout; throws with hiredis' own reason on failure.
    public init(host: String, port: Int, timeoutMilliseconds: Int = 1_000) throws(RedisConnectionError) {
        let tv = timeval(tv_sec: timeoutMilliseconds / 1_000, tv_usec: Int((timeoutMilliseconds % 1_000) * 1_000))
        guard let ctx = redisConnectWithTimeout(host, Int32(port), tv) else {
            throw RedisConnectionError(host: host, port: port, reason: "out of memory")
        }
        if ctx.pointee.err != 0 {
            let reason = withUnsafeBytes(of: ctx.pointee.errstr) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            redisFree(ctx)
            throw RedisConnectionError(host: host, port: port, reason: reason)
        }
        _ = redisSetTimeout(ctx, tv)
        context = ctx
    }

    deinit { redisFree(context) }
}
