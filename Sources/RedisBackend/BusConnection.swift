import CHiredis
import PaySim

/// One argument of a command: text, or bytes sent as they are (a frame).
public enum BusArg: ExpressibleByStringLiteral, Sendable {
    case text(String)
    case bytes([UInt8])
    public init(stringLiteral value: String) { self = .text(value) }
}

/// A reply whose bulk strings stay bytes (a frame is binary).
public indirect enum BusValue: Equatable, Sendable {
    case bulk([UInt8])
    case status(String)
    case integer(Int64)
    case array([BusValue])
    case null
    case error(String)

    public var text: String? {
        switch self {
        case .bulk(let b): String(decoding: b, as: UTF8.self)
        case .status(let s): s
        default: nil
        }
    }
    public var bytes: [UInt8]? { if case .bulk(let b) = self { b } else { nil } }
    public var array: [BusValue]? { if case .array(let a) = self { a } else { nil } }
    public var integer: Int64? { if case .integer(let i) = self { i } else { nil } }
    public var errorText: String? { if case .error(let e) = self { e } else { nil } }
    /// Redis refused the command for the user's ACL.
    public var isNoPermission: Bool { errorText?.hasPrefix("NOPERM") ?? false }
}

extension RedisConnection {
    /// Sends every command (binary-safe), then reads every reply: one round trip.
    public func call(_ commands: [[BusArg]]) throws(RedisError) -> [BusValue] {
        var buffer = RedisCommandBuffer()
        for c in commands {
            for a in c {
                switch a {
                case .text(let s): buffer.append(s)
                case .bytes(let b): buffer.append(b)
                }
                buffer.endArgument()
            }
            buffer.endCommand()
        }
        try write(buffer, commands: 0..<buffer.count)
        var out: [BusValue] = []
        out.reserveCapacity(commands.count)
        for _ in commands {
            out.append(try readReply { BusValue.convert($0) })
        }
        return out
    }
}

extension RedisConnection {
    /// Every key matching `pattern`, SCAN a page at a time; when Redis
    /// refuses the scan (NOPERM), its answer instead of the keys.
    public func scanKeys(_ pattern: String) throws(RedisError) -> (keys: [String], refused: String?) {
        var cursor = "0", found: [String] = []
        repeat {
            let r = try call([["SCAN", .text(cursor), "MATCH", .text(pattern), "COUNT", "500"]])[0]
            if let e = r.errorText { return (found, e) }
            guard let a = r.array, a.count == 2, let next = a[0].text else { break }
            cursor = next
            found += (a[1].array ?? []).compactMap(\.text)
        } while cursor != "0"
        return (found, nil)
    }
}

extension BusValue {
    static func convert(_ r: UnsafeMutablePointer<redisReply>) -> BusValue {
        switch Int32(r.pointee.type) {
        case payops_redis_reply_string():
            guard let p = r.pointee.str else { return .bulk([]) }
            return .bulk(Array(UnsafeRawBufferPointer(start: p, count: Int(r.pointee.len))))
        case payops_redis_reply_status(): return .status(String(cString: r.pointee.str))
        case payops_redis_reply_error(): return .error(String(cString: r.pointee.str))
        case payops_redis_reply_integer(): return .integer(Int64(r.pointee.integer))
        case payops_redis_reply_array(): return .array((0..<Int(r.pointee.elements)).map { convert(r.pointee.element[$0]!) })
        default: return .null
        }
    }
}

/// One stream entry: its id and its fields.
public struct StreamEntry: Sendable, Equatable {
    public var id: String
    public var fields: [String: String]
    /// Binary fields are kept as bytes too (a frame).
    public var raw: [String: [UInt8]]

    /// Entries from an XRANGE/XREVRANGE reply.
    static func list(_ v: BusValue) -> [StreamEntry] {
        (v.array ?? []).compactMap { e in
            guard let pair = e.array, pair.count == 2, let id = pair[0].text, let fv = pair[1].array else { return nil }
            var fields: [String: String] = [:], raw: [String: [UInt8]] = [:]
            var i = 0
            while i + 1 < fv.count {
                if let k = fv[i].text, let b = fv[i + 1].bytes {
                    raw[k] = b
                    if k != "f" { fields[k] = String(decoding: b, as: UTF8.self) }
                }
                i += 2
            }
            return StreamEntry(id: id, fields: fields, raw: raw)
        }
    }

    /// Entries per stream from an XREAD reply.
    static func streams(_ v: BusValue) -> [(key: String, entries: [StreamEntry])] {
        (v.array ?? []).compactMap { s in
            guard let pair = s.array, pair.count == 2, let key = pair[0].text else { return nil }
            return (key, list(pair[1]))
        }
    }
}

/// A connection that comes back: used while it works, dropped when it
/// fails, tried again at most once a second with a short handshake, so a
/// Redis that is gone costs the caller's loop no more than that.
public final class BusLink {
    public let url: RedisURL
    var connection: RedisConnection?
    var lastAttempt: ContinuousClock.Instant?
    /// Why the link is down (nil while it works).
    public private(set) var lost: String?
    /// Times the link came back after being lost.
    public private(set) var reconnects = 0
    /// Called once each time the link comes back.
    public var onReconnect: (() -> Void)?

    /// Connects now: an unreachable server or a refused login is the caller's error.
    public init(url: RedisURL) throws(RedisError) {
        self.url = url
        connection = try RedisConnection(url: url, timeoutMilliseconds: 2_000)
    }

    public var isUp: Bool { connection != nil }

    /// Runs `body` on the connection (reconnecting first when due); nil
    /// when the link is down or the call failed, which drops it.
    public func with<T>(_ body: (RedisConnection) throws(RedisError) -> T) -> T? {
        if connection == nil {
            let now = ContinuousClock.now
            guard lastAttempt.map({ now - $0 >= .seconds(1) }) ?? true else { return nil }
            lastAttempt = now
            do {
                connection = try RedisConnection(url: url, timeoutMilliseconds: 2_000, handshakeMilliseconds: 300)
                lost = nil
                reconnects += 1
                onReconnect?()
            } catch {
                lost = error.reason
                return nil
            }
        }
        do {
            return try body(connection!)
        } catch {
            connection = nil
            lastAttempt = ContinuousClock.now
            lost = error.reason
            return nil
        }
    }
}
