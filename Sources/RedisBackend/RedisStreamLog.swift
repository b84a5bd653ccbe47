import PaySim

/// The message log on Redis Streams: one stream per topic partition under
/// `payops:<run-id>:log:`, one consumer group per simulated group.
///
/// An entry's id is derived from its offset (`0-<offset+1>`), so the
/// simulation and the server agree on positions and re-sending after a
/// server restart is exact. Producing is XADD with MAXLEN ~ (memory stays
/// bounded); consuming is XREADGROUP ... COUNT 1 (`>`), or XAUTOCLAIM with
/// no minimum idle time when a consumer takes over what another left
/// pending; XACK commits; XTRIM MINID drops what every group has passed.
/// Depth and lag come from XLEN and XINFO GROUPS.
public final class RedisStreamLog: LogBackend {
    public let pipe: RedisPipe
    public let prefix: String
    let runID: String
    public private(set) var streamLengths: [String: Int64] = [:]
    public private(set) var groupLags: [String: (lag: Int64, pending: Int64)] = [:]
    /// Commands the server refused (it should refuse none), with the last reason.
    public private(set) var refusals: Int64 = 0
    public private(set) var lastRefusal: String?
    var reportedDown = false
    var reportedRefusals: Int64 = 0
    var lastStats: ContinuousClock.Instant?

    public var backendName: String { pipe.url.description }
    public var isAvailable: Bool { pipe.isConnected }
    public var connectionGeneration: Int { pipe.generation }

    /// Connects at once: an unreachable server at start is an error for the caller.
    public convenience init(url: RedisURL, runID: String) throws(RedisError) {
        self.init(pipe: try RedisPipe(url: url), runID: runID)
    }

    /// On a pipe it may share with the cache on the same server.
    public init(pipe: RedisPipe, runID: String) {
        self.pipe = pipe
        prefix = "payops:\(runID):log:"
        self.runID = runID
    }

    func key(_ stream: String) -> String { prefix + stream }
    static func id(_ offset: Int64) -> String { "0-\(offset + 1)" }
    static func offset(id: String) -> Int64? {
        guard id.hasPrefix("0-"), let n = Int64(id.dropFirst(2)), n >= 1 else { return nil }
        return n - 1
    }

    /// Notes a refusal: a reply that is an error where none was expected.
    func check(_ reply: RedisReply?) {
        if case .error(let e)? = reply {
            refusals += 1
            lastRefusal = e
        }
    }

    public func append(stream: String, offset: Int64, body: String, maxLength: Int) {
        pipe.send(["XADD", key(stream), "MAXLEN", "~", String(maxLength), RedisStreamLog.id(offset), "m", body]) { [weak self] in self?.check($0) }
    }

    public func ensureGroup(stream: String, group: String, nextOffset: Int64) {
        let start = nextOffset == 0 ? "0-0" : RedisStreamLog.id(nextOffset - 1)
        pipe.send(["XGROUP", "CREATE", key(stream), group, start, "MKSTREAM"]) { [weak self] reply in
            if case .error(let e)? = reply, e.hasPrefix("BUSYGROUP") { return }
            self?.check(reply)
        }
        // The stream exists from here on; it must never be without an expiry.
        pipe.send(["PEXPIRE", key(stream), String(RunLease.leaseMilliseconds)])
    }

    public func lastOffset(stream: String) -> Int64? {
        guard let reply = pipe.call(["XINFO", "STREAM", key(stream)]) else { return nil }
        if case .error = reply { return -1 }
        guard case .array(let fields) = reply else { return -1 }
        var i = 0
        while i + 1 < fields.count {
            if fields[i].string == "last-generated-id", let id = fields[i + 1].string { return RedisStreamLog.offset(id: id) ?? -1 }
            i += 2
        }
        return -1
    }

    public func fetch(stream: String, group: String, consumer: String, claim: Bool, count: Int) -> LogFetch {
        let f = LogFetch(claim: claim)
        let args = claim
            ? ["XAUTOCLAIM", key(stream), group, consumer, "0", "0-0", "COUNT", String(count)]
            : ["XREADGROUP", "GROUP", group, consumer, "COUNT", String(count), "STREAMS", key(stream), ">"]
        pipe.send(args) { [weak self] reply in
            guard let reply else { f.answer = .unavailable; return }
            f.answer = claim ? RedisStreamLog.claimed(reply) : RedisStreamLog.read(reply)
            if case .error = reply { self?.check(reply) }
        }
        return f
    }

    /// XREADGROUP's reply: nil, or [[stream, [[id, [field, value]]]]].
    static func read(_ reply: RedisReply) -> LogFetch.Answer {
        switch reply {
        case .null: return .empty
        case .array(let streams):
            guard case .array(let s)? = streams.first, s.count == 2, case .array(let entries) = s[1] else { return .empty }
            return answer(entries)
        default: return .unavailable
        }
    }

    /// XAUTOCLAIM's reply: [next-cursor, [[id, [field, value]]], deleted-ids].
    static func claimed(_ reply: RedisReply) -> LogFetch.Answer {
        guard case .array(let parts) = reply, parts.count >= 2, case .array(let entries) = parts[1] else { return .unavailable }
        return answer(entries)
    }

    /// Entries as [[id, [field, value]]]; one whose body was deleted has an empty body.
    static func answer(_ entries: [RedisReply]) -> LogFetch.Answer {
        let out: [LogEntry] = entries.compactMap { e in
            guard case .array(let pair) = e, pair.count == 2, let id = pair[0].string, let offset = offset(id: id) else { return nil }
            guard case .array(let fields) = pair[1], fields.count >= 2, let body = fields[1].string else { return LogEntry(offset: offset, body: "") }
            return LogEntry(offset: offset, body: body)
        }
        return out.isEmpty ? .empty : .entries(out)
    }

    public func result(of fetch: LogFetch) -> LogFetch.Answer {
        if fetch.answer == nil { pipe.flush() }
        return fetch.answer ?? .unavailable
    }

    public func acknowledge(stream: String, group: String, offset: Int64) {
        pipe.send(["XACK", key(stream), group, RedisStreamLog.id(offset)]) { [weak self] in self?.check($0) }
    }

    public func trim(stream: String, below offset: Int64) {
        pipe.send(["XTRIM", key(stream), "MINID", RedisStreamLog.id(offset)]) { [weak self] in self?.check($0) }
    }

    public func flush() { pipe.flush() }

    public func poll(streams: [String]) -> [BackendNotice] {
        if let down = pipe.pollOutage("message log", effect: "produced messages are held locally until it is back", reported: &reportedDown) {
            return down
        }
        var notices: [BackendNotice] = []
        if refusals > reportedRefusals {
            notices.append(BackendNotice(.warn, "message log \(backendName) refused \(refusals - reportedRefusals) command\(refusals - reportedRefusals == 1 ? "" : "s"): \(lastRefusal ?? "")"))
            reportedRefusals = refusals
        }
        keepAlive(streams: streams)
        refreshStats(streams: streams)
        return notices
    }

    public func refreshFigures(streams: [String]) {
        lastStats = nil
        refreshStats(streams: streams)
    }

    /// XLEN and XINFO GROUPS for every stream, in one round trip, at most
    /// twice a wall second.
    func refreshStats(streams: [String]) {
        let now = ContinuousClock.now
        if let last = lastStats, now - last < .milliseconds(500) { return }
        lastStats = now
        var lengths: [String: Int64] = [:]
        var lags: [String: (lag: Int64, pending: Int64)] = [:]
        for s in streams {
            pipe.send(["XLEN", key(s)]) { reply in
                if case .integer(let n)? = reply { lengths[s] = n }
            }
            pipe.send(["XINFO", "GROUPS", key(s)]) { reply in
                guard case .array(let groups)? = reply else { return }
                for g in groups {
                    guard case .array(let f) = g else { continue }
                    var name: String?, pending: Int64 = 0, lag: Int64?
                    var i = 0
                    while i + 1 < f.count {
                        switch f[i].string {
                        case "name": name = f[i + 1].string
                        case "pending": if case .integer(let n) = f[i + 1] { pending = n }
                        case "lag": if case .integer(let n) = f[i + 1] { lag = n }
                        default: break
                        }
                        i += 2
                    }
                    if let name, let lag { lags[logGroupKey(stream: s, group: name)] = (lag, pending) }
                }
            }
        }
        pipe.flush()
        guard pipe.isConnected else { return }
        streamLengths = lengths
        groupLags = lags
    }

    /// Renews the run's heartbeat and its streams' lease when they are due.
    public func keepAlive(streams: [String]) {
        if pipe.renewLease(runID: runID, owner: "log", keys: streams.map(key)) { pipe.flush() }
    }

    /// Deletes every stream under this run's prefix; nil when the server cannot be reached.
    @discardableResult
    public func removeOwnKeys() -> Int? { pipe.removeKeys(prefix: prefix) }
}
