import Glibc

/// What keeps a run's keys from outliving it. Every key payops writes has an
/// expiry: cache entries their TTL (at most an hour of wall time), the
/// run's streams a lease of `leaseMilliseconds` renewed every `renewEvery`,
/// and its heartbeat key `payops:<run-id>:alive` one of
/// `heartbeatMilliseconds` renewed every `heartbeatEvery`, all by the wall
/// clock, paused or not. A run killed without its cleanup (SIGKILL, a crash,
/// a lost machine) leaves nothing for longer than the lease, and within the
/// heartbeat's life `payops cleanup` tells its keys from a live run's.
public enum RunLease {
    public static let leaseMilliseconds = 600_000
    public static let renewEvery: Duration = .seconds(60)
    public static let heartbeatMilliseconds = 30_000
    public static let heartbeatEvery: Duration = .seconds(5)
    /// Cache entries never outlive this, whatever their TTL in simulated time.
    public static let maxCacheTTLMilliseconds: Int64 = 3_600_000

    public static func heartbeatKey(runID: String) -> String { "payops:\(runID):alive" }

    /// The heartbeat's value: who the run is, for `payops cleanup`'s listing.
    static var heartbeatValue: String { "pid \(getpid())" }
}

extension RedisPipe {
    /// Renews the run's heartbeat (at most every `heartbeatEvery`) and the
    /// lease on `keys` (at most every `renewEvery` for each `owner`: the
    /// cache tier and the log may share a pipe and renew their own keys).
    /// Returns true if it held commands for the next round trip.
    @discardableResult
    public func renewLease(runID: String, owner: String, keys: [String]) -> Bool {
        guard isConnected else { return false }
        let now = ContinuousClock.now
        var sent = false
        if heartbeatRenewed.map({ now - $0 >= RunLease.heartbeatEvery }) ?? true {
            heartbeatRenewed = now
            send(["SET", RunLease.heartbeatKey(runID: runID), RunLease.heartbeatValue, "PX", String(RunLease.heartbeatMilliseconds)])
            sent = true
        }
        if !keys.isEmpty, leaseRenewed[owner].map({ now - $0 >= RunLease.renewEvery }) ?? true {
            leaseRenewed[owner] = now
            for k in keys { send(["PEXPIRE", k, String(RunLease.leaseMilliseconds)]) }
            sent = true
        }
        return sent
    }

    /// The run has removed its keys: its heartbeat goes last.
    public func endLease(runID: String) {
        _ = call(["UNLINK", RunLease.heartbeatKey(runID: runID)])
    }
}

/// A run's keys as `payops cleanup` finds them on a server.
public struct RunKeys: Sendable, Equatable {
    public var runID: String
    public var keys: Int
    /// The heartbeat's value while the run is alive; nil for a run that
    /// ended without its cleanup (its keys expire by themselves).
    public var heartbeat: String?
    public var alive: Bool { heartbeat != nil }
}

extension RedisPipe {
    /// Every run with keys under `payops:` (sessions, `payops:session:…`,
    /// are not runs), sorted by id; nil when the server cannot be reached.
    public func runs() -> [RunKeys]? {
        flush()
        var counts: [String: Int] = [:]
        var cursor = "0"
        repeat {
            guard case .array(let parts)? = call(["SCAN", cursor, "MATCH", "payops:*", "COUNT", "1000"]),
                  parts.count == 2, let next = parts[0].string, case .array(let keys) = parts[1] else { return nil }
            cursor = next
            for case .string(let k) in keys {
                let fields = k.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                guard fields.count >= 2, fields[0] == "payops", !fields[1].isEmpty, fields[1] != "session" else { continue }
                counts[String(fields[1]), default: 0] += 1
            }
        } while cursor != "0"
        var out: [RunKeys] = []
        for id in counts.keys.sorted() {
            guard let reply = call(["GET", RunLease.heartbeatKey(runID: id)]) else { return nil }
            out.append(RunKeys(runID: id, keys: counts[id]!, heartbeat: reply.string))
        }
        return out
    }
}
