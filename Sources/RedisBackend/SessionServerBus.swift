import Glibc
import PaySim

/// A message from a console: an operator command on its user's command
/// stream, a control on its user's control stream, or the hello a console
/// sends when it attaches. The author is the stream's user: Redis' ACL
/// decides who may write which stream, so it cannot be forged.
public struct BusCommand: Sendable, Equatable {
    public enum Kind: String, Sendable { case command, control, hello }
    public var id: String
    public var user: String
    public var kind: Kind
    public var text: String
    /// `key` or `prompt`.
    public var via: String
}

/// Why a session could not be served or attached: one line.
public struct SessionError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// The server's side of the bus: publishes frames, events, answers and
/// the session record; reads every user's commands. When Redis is away it
/// keeps simulating: frames are not kept (the next one replaces them),
/// events and answers are kept up to `backlogLimit` each and the rest
/// counted as dropped, and all of it is said in the event log on return.
public final class SessionServerBus {
    public let keys: SessionKeys
    let link: BusLink
    public var record: SessionRecord
    public static let snapshotsKept = 100
    public static let eventsKept = 5_000
    public static let repliesKept = 500
    public static let backlogLimit = 10_000
    /// Stream ids read so far, per command or control stream.
    var positions: [String: String] = [:]
    var lastScan: ContinuousClock.Instant?
    var pendingEvents: [SimLogEntry] = []
    var pendingAnswers: [(user: String, id: String, applied: Bool, text: String)] = []
    /// Dropped while Redis was away, not yet reported.
    public private(set) var droppedEvents = 0
    public private(set) var droppedAnswers = 0
    public private(set) var droppedFrames = 0
    /// Bytes of frames published (for the bandwidth figure).
    public private(set) var frameBytes = 0
    public private(set) var framesPublished = 0
    var lastFlow: ContinuousClock.Instant?
    var lastLease: ContinuousClock.Instant?
    /// While the server lives its keys are renewed to expire this long after
    /// its last renewal plus the `--keep-for` time: a server that is killed
    /// (no end to set the expiry) leaves nothing for longer than that.
    public static let leaseSeconds = 120
    public static let leaseEvery: Duration = .seconds(30)
    var lastRecordWrite: ContinuousClock.Instant?

    public var isUp: Bool { link.isUp }
    public var lostReason: String? { link.lost }

    /// Connects, and claims the session name: a running session of that
    /// name (a fresh heartbeat) is refused; an ended or abandoned one is
    /// cleared first, its keys only.
    public init(url: RedisURL, record: SessionRecord) throws {
        keys = SessionKeys(record.name)
        self.record = record
        do { link = try BusLink(url: url) } catch { throw SessionError("\(error)") }
        let existing = link.with { c throws(RedisError) in try c.call([["HGETALL", .text(keys.record)]]) }
        if let e = existing?.first?.errorText {
            throw SessionError(SessionServerBus.explain(e, url: url, role: "serve a session (the facilitator's rights on \(keys.prefix)*)"))
        }
        if let pairs = existing?.first?.array, !pairs.isEmpty {
            let fields = SessionServerBus.hash(pairs)
            if let old = SessionRecord(fields: fields), old.state != "ended", !old.isStale(nowMillis: wallMillis()) {
                throw SessionError("session '\(record.name)' is already running on \(url) (started \(old.started)); choose another --session name")
            }
        }
        try clear()
        try writeRecord(force: true)
    }

    static func hash(_ pairs: [BusValue]) -> [String: String] {
        var fields: [String: String] = [:]
        var i = 0
        while i + 1 < pairs.count {
            if let k = pairs[i].text, let v = pairs[i + 1].text { fields[k] = v }
            i += 2
        }
        return fields
    }

    static func explain(_ error: String, url: RedisURL, role: String) -> String {
        if error.hasPrefix("NOPERM") {
            return "Redis at \(url.host):\(url.port) does not let user '\(url.user ?? "default")' \(role): \(error)"
        }
        return "Redis at \(url.host):\(url.port) answered: \(error)"
    }

    /// Every key of the session (SCAN over its prefix).
    func sessionKeys(_ c: RedisConnection) throws(RedisError) -> [String] {
        try c.scanKeys(keys.prefix + "*").keys
    }

    func clear() throws {
        let done = link.with { c throws(RedisError) -> BusValue? in
            let old = try sessionKeys(c)
            guard !old.isEmpty else { return nil }
            return try c.call([["UNLINK"] + old.map { .text($0) }])[0]
        }
        if let e = done??.errorText { throw SessionError(SessionServerBus.explain(e, url: link.url, role: "clear the ended session's keys")) }
    }

    func writeRecord(force: Bool = false) throws {
        let now = ContinuousClock.now
        guard force || lastRecordWrite.map({ now - $0 >= .seconds(1) }) ?? true else { return }
        lastRecordWrite = now
        record.heartbeatMillis = wallMillis()
        var args: [BusArg] = ["HSET", .text(keys.record)]
        for (k, v) in record.fields { args += [.text(k), .text(v)] }
        let r = link.with { c throws(RedisError) in try c.call([args]) }
        if force, let e = r?.first?.errorText { throw SessionError(SessionServerBus.explain(e, url: link.url, role: "serve a session (writing its record)")) }
    }

    /// Queues an event for the events stream.
    public func event(_ e: SimLogEntry) {
        if pendingEvents.count >= SessionServerBus.backlogLimit {
            pendingEvents.removeFirst()
            droppedEvents += 1
        }
        pendingEvents.append(e)
    }

    /// Queues the answer to a command for its user's reply stream.
    public func answer(_ c: BusCommand, applied: Bool, text: String) {
        if pendingAnswers.count >= SessionServerBus.backlogLimit {
            pendingAnswers.removeFirst()
            droppedAnswers += 1
        }
        pendingAnswers.append((c.user, c.id, applied, text))
    }

    /// Publishes a frame with every queued event and answer, the heartbeat,
    /// and (every `SessionWire.flowEverySeconds`) the whole flow history:
    /// one round trip. Returns false when Redis is away (the frame is not kept).
    @discardableResult
    public func publish(frame: SessionFrame, flow: [MetricsSnapshot.FlowHistory]) -> Bool {
        var commands: [[BusArg]] = []
        guard let bytes = try? frame.encoded() else { return false }
        commands.append(["XADD", .text(keys.snapshots), "MAXLEN", "~", .text("\(SessionServerBus.snapshotsKept)"), "*",
                         "v", .text("\(SessionWire.version)"), "f", .bytes(bytes)])
        for e in pendingEvents {
            commands.append(["XADD", .text(keys.events), "MAXLEN", "~", .text("\(SessionServerBus.eventsKept)"), "*",
                             "t", .text("\(e.time.microseconds)"), "s", .text("\(e.severity.rawValue)"), "m", .text(e.message)])
        }
        for a in pendingAnswers {
            commands.append(["XADD", .text(keys.replies(a.user)), "MAXLEN", "~", .text("\(SessionServerBus.repliesKept)"), "*",
                             "id", .text(a.id), "ok", a.applied ? "1" : "0", "text", .text(a.text)])
        }
        let now = ContinuousClock.now
        let sendFlow = lastFlow.map { now - $0 >= .milliseconds(Int64(SessionWire.flowEverySeconds * 1_000)) } ?? true
        if sendFlow, let f = try? BinaryCodec.encode(flow) { commands.append(["SET", .text(keys.flow), .bytes(f)]) }
        guard link.with({ c throws(RedisError) in try c.call(commands) }) != nil else {
            droppedFrames += 1
            return false
        }
        if sendFlow { lastFlow = now }
        pendingEvents.removeAll(keepingCapacity: true)
        pendingAnswers.removeAll(keepingCapacity: true)
        frameBytes += bytes.count
        framesPublished += 1
        try? writeRecord()
        if lastLease.map({ now - $0 >= SessionServerBus.leaseEvery }) ?? true {
            lastLease = now
            expireAll(after: record.expiresInSeconds + SessionServerBus.leaseSeconds)
        }
        return true
    }

    /// What was dropped while Redis was away, once, then forgotten.
    public func takeDropped() -> (frames: Int, events: Int, answers: Int)? {
        guard droppedFrames + droppedEvents + droppedAnswers > 0, link.isUp else { return nil }
        defer { droppedFrames = 0; droppedEvents = 0; droppedAnswers = 0 }
        return (droppedFrames, droppedEvents, droppedAnswers)
    }

    /// Commands, controls and hellos that arrived, oldest first over every
    /// user (by the millisecond Redis took them). Streams are found by SCAN once a second.
    public func readCommands() -> [BusCommand] {
        let now = ContinuousClock.now
        if lastScan.map({ now - $0 >= .seconds(1) }) ?? true {
            lastScan = now
            let found = link.with { c throws(RedisError) -> [String] in
                try c.scanKeys(keys.commandsPattern).keys + c.scanKeys(keys.controlPattern).keys
            }
            // A stream found later is read from its start: it was made after the session began.
            for k in found ?? [] where positions[k] == nil { positions[k] = "0-0" }
        }
        guard !positions.isEmpty else { return [] }
        let streams = positions.keys.sorted()
        let args: [BusArg] = ["XREAD", "COUNT", "100", "STREAMS"] + streams.map { .text($0) } + streams.map { .text(positions[$0]!) }
        guard let reply = link.with({ c throws(RedisError) in try c.call([args])[0] }) else { return [] }
        var out: [BusCommand] = []
        for (key, entries) in StreamEntry.streams(reply) {
            guard let last = entries.last else { continue }
            positions[key] = last.id
            let isControl = key.hasPrefix(keys.prefix + "control:")
            let user = String(key.dropFirst((isControl ? keys.control("") : keys.commands("")).count))
            // A user name is one key segment: a stream named past it is not a user's.
            guard !user.isEmpty, !user.contains(":") else { continue }
            for e in entries {
                let kind: BusCommand.Kind = e.fields["kind"] == "hello" ? .hello : (isControl ? .control : .command)
                out.append(BusCommand(id: e.id, user: user, kind: kind, text: e.fields["text"] ?? "", via: e.fields["via"] ?? "prompt"))
            }
        }
        // Stream ids order one stream; across streams only their milliseconds
        // compare. Commands that reached Redis in the same millisecond are
        // simultaneous: taken stream by stream, each stream in its own order.
        return out.enumerated().sorted { a, b in
            let ma = streamIDMillis(a.element.id) ?? 0, mb = streamIDMillis(b.element.id) ?? 0
            return ma != mb ? ma < mb : a.offset < b.offset
        }.map(\.element)
    }

    /// Marks the session ended and sets every key of it to expire after
    /// `record.expiresInSeconds`; nothing outside the prefix is touched.
    /// Returns false when Redis could not be told (the keys then have no expiry).
    @discardableResult
    public func end(ending: String, frame: SessionFrame, flow: [MetricsSnapshot.FlowHistory]) -> Bool {
        record.state = "ended"
        record.ending = ending
        publish(frame: frame, flow: flow)
        try? writeRecord(force: true)
        return expireAll(after: record.expiresInSeconds)
    }

    /// Sets every key of the session to expire `seconds` from now.
    @discardableResult
    func expireAll(after seconds: Int) -> Bool {
        link.with { c throws(RedisError) -> Bool in
            let all = try sessionKeys(c)
            guard !all.isEmpty else { return true }
            _ = try c.call(all.map { ["EXPIRE", .text($0), .text("\(seconds)")] })
            return true
        } ?? false
    }

    public func updateState(_ state: String, speed: Double) {
        guard record.state != state || record.speed != speed else { return }
        record.state = state
        record.speed = speed
        try? writeRecord(force: true)
    }
}

/// The wall clock in milliseconds since 1970.
public func wallMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000 + Int64(ts.tv_nsec) / 1_000_000
}
