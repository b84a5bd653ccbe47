import PaySim

/// A console's side of the bus: reads the newest frame (never a backlog:
/// a console that fell behind skips to the latest and counts what it
/// skipped), the events and its user's answers; sends its user's commands.
public final class SessionClient {
    public let keys: SessionKeys
    public let user: String
    let link: BusLink
    public private(set) var record: SessionRecord
    /// The newest frame, with the flow and the event log put back.
    public private(set) var frame: SessionFrame?
    public private(set) var snapshot: MetricsSnapshot?
    var flow = FlowAssembler()
    var needFlow = true
    var lastFrameID: String?
    var lastEventID = "0-0"
    var lastReplyID = "0-0"
    var events: [SimLogEntry] = []
    /// The traces of the newest frame that carried them.
    var traces = TraceLists(sampleEvery: 0)
    public static let eventsKept = 500
    /// Redis refused this user's command stream: an observer.
    public private(set) var observer = false
    /// Answers to this user's commands that arrived since the last `takeAnswers`.
    var answers: [(id: String, applied: Bool, text: String)] = []
    /// Frames received, and frames published meanwhile that were skipped.
    public private(set) var framesReceived = 0
    public private(set) var framesSkipped = 0
    /// Bytes read from Redis for frames, flow and events.
    public private(set) var bytesReceived = 0
    /// Wall ms from publication to arrival of the newest frame.
    public private(set) var lagMillis: Int64 = 0
    var lastRecordRead: ContinuousClock.Instant?

    public var isUp: Bool { link.isUp }
    public var lostReason: String? { link.lost }
    public var reconnects: Int { link.reconnects }

    /// Connects and reads the session record: an unknown session, an
    /// incompatible version, a refused login or missing rights are one line each.
    public init(url: RedisURL, session: String) throws {
        let keys = SessionKeys(session), user = url.user ?? "default"
        self.keys = keys
        self.user = user
        let link: BusLink
        do { link = try BusLink(url: url) } catch { throw SessionError("\(error)") }
        self.link = link
        let reply = link.with { c throws(RedisError) in try c.call([["HGETALL", .text(keys.record)]])[0] }
        guard let reply else { throw SessionError("lost Redis at \(url.host):\(url.port) while reading the session: \(link.lost ?? "")") }
        if let e = reply.errorText { throw SessionError(SessionServerBus.explain(e, url: url, role: "read session '\(session)'")) }
        let fields = SessionServerBus.hash(reply.array ?? [])
        guard !fields.isEmpty else {
            let known = (try? SessionClient.list(link: link).map(\.name)) ?? []
            throw SessionError("no session '\(session)' on \(url.host):\(url.port); \(known.isEmpty ? "none is running there ('payops serve' starts one)" : "sessions there: \(known.joined(separator: ", "))")")
        }
        if let v = fields["version"].flatMap(Int.init), v != SessionWire.version {
            throw SessionError("session '\(session)' is published in wire version \(v); this payops reads version \(SessionWire.version): use the same payops release as its server")
        }
        guard let r = SessionRecord(fields: fields) else { throw SessionError("session '\(session)' has a malformed record at \(keys.record)") }
        record = r
        // Start the answers from now: older ones were for an earlier console.
        if let last = link.with({ c throws(RedisError) in try c.call([["XREVRANGE", .text(keys.replies(user)), "+", "-", "COUNT", "1"]])[0] }) {
            lastReplyID = StreamEntry.list(last).first?.id ?? "0-0"
        }
        // The latest events, so the log is not empty on arrival.
        if let recent = link.with({ c throws(RedisError) in
            try c.call([["XREVRANGE", .text(keys.events), "+", "-", "COUNT", .text("\(SessionClient.eventsKept)")]])[0]
        }) {
            let list = StreamEntry.list(recent).reversed()
            for e in list { take(e) }
            lastEventID = list.last?.id ?? "0-0"
        }
        link.onReconnect = { [weak self] in self?.needFlow = true }
    }

    /// Says hello on the user's command stream: Redis refusing it (NOPERM)
    /// makes this console an observer. Returns false when Redis is away.
    @discardableResult
    public func hello(role: String) -> Bool {
        guard !observer, record.state != "ended" else { return true }
        guard let r = link.with({ c throws(RedisError) in
            try c.call([["XADD", .text(keys.commands(user)), "MAXLEN", "~", "1000", "*", "kind", "hello", "text", .text(role), "via", "attach"]])[0]
        }) else { return false }
        if r.isNoPermission { observer = true }
        return true
    }

    /// Sends an operator command (`control` false) or a control (pause,
    /// resume, speed, stop) to this user's stream; the id, or why not.
    public func send(_ text: String, via: String, control: Bool = false) -> Result<String, SessionError> {
        let key = control ? keys.control(user) : keys.commands(user)
        guard let r = link.with({ c throws(RedisError) in
            try c.call([["XADD", .text(key), "MAXLEN", "~", "1000", "*", "kind", control ? "control" : "command", "text", .text(text), "via", .text(via)]])[0]
        }) else { return .failure(SessionError("bus lost: not sent; reconnecting")) }
        if r.isNoPermission {
            if !control { observer = true }
            return .failure(SessionError(control ? "the session's pause, speed and stop belong to its facilitator; Redis refused user '\(user)' the control stream"
                                                  : "observer: Redis refused user '\(user)' a command stream"))
        }
        if let e = r.errorText { return .failure(SessionError("Redis refused the command: \(e)")) }
        return .success(r.text ?? "")
    }

    /// Reads what arrived: the newest frame (skipping any older ones), new
    /// events and answers, the record once a second, the whole flow when
    /// needed. Returns true when there is a new frame.
    @discardableResult
    public func poll() -> Bool {
        let now = ContinuousClock.now
        var commands: [[BusArg]] = [
            ["XREVRANGE", .text(keys.snapshots), "+", "-", "COUNT", "1"],
            ["XREAD", "COUNT", "1000", "STREAMS", .text(keys.events), .text(keys.replies(user)), .text(lastEventID), .text(lastReplyID)],
        ]
        let readRecord = lastRecordRead.map { now - $0 >= .seconds(1) } ?? true
        if readRecord { commands.append(["HGETALL", .text(keys.record)]) }
        // Asked now: a reconnect during the call sets `needFlow` for the next poll.
        let wantFlow = needFlow
        if wantFlow { commands.append(["GET", .text(keys.flow)]) }
        guard let replies = link.with({ c throws(RedisError) in try c.call(commands) }) else { return false }
        var i = 2
        if readRecord {
            lastRecordRead = now
            if let r = SessionRecord(fields: SessionServerBus.hash(replies[i].array ?? [])) { record = r }
            i += 1
        }
        if wantFlow, let bytes = replies[i].bytes, let whole = try? BinaryCodec.decode([MetricsSnapshot.FlowHistory].self, from: bytes) {
            bytesReceived += bytes.count
            flow.reset(whole)
            needFlow = false
        }
        for (key, entries) in StreamEntry.streams(replies[1]) {
            if key == keys.events {
                for e in entries { take(e) }
                if let last = entries.last { lastEventID = last.id }
            } else {
                for e in entries {
                    answers.append((e.fields["id"] ?? "", e.fields["ok"] == "1", e.fields["text"] ?? ""))
                }
                if let last = entries.last { lastReplyID = last.id }
            }
        }
        guard let entry = StreamEntry.list(replies[0]).first, entry.id != lastFrameID,
              let bytes = entry.raw["f"], entry.fields["v"] == "\(SessionWire.version)",
              var f = try? SessionFrame.decode(bytes) else { return false }
        bytesReceived += bytes.count
        if let previous = frame { framesSkipped += max(0, Int(f.sequence - previous.sequence) - 1) }
        framesReceived += 1
        lastFrameID = entry.id
        lagMillis = max(0, wallMillis() - f.publishedMillis)
        if !flow.merge(f.snapshot.flow) { needFlow = true }
        f.snapshot.flow = flow.flow.isEmpty ? f.snapshot.flow : flow.flow
        f.snapshot.events = events
        if f.tracesIncluded { traces = f.snapshot.traces } else { f.snapshot.traces = traces }
        snapshot = f.snapshot
        frame = f
        return true
    }

    func take(_ e: StreamEntry) {
        guard let t = e.fields["t"].flatMap(Int64.init), let s = e.fields["s"].flatMap(Int.init).flatMap(Severity.init(rawValue:)),
              let m = e.fields["m"] else { return }
        bytesReceived += m.utf8.count + 24
        events.append(SimLogEntry(time: SimTime(microseconds: t), severity: s, message: m))
        if events.count > SessionClient.eventsKept { events.removeFirst(events.count - SessionClient.eventsKept) }
    }

    /// Answers that arrived since the last call, oldest first.
    public func takeAnswers() -> [(id: String, applied: Bool, text: String)] {
        defer { answers.removeAll() }
        return answers
    }

    /// The sessions a Redis server holds, newest first.
    public static func list(url: RedisURL) throws -> [SessionRecord] {
        let link: BusLink
        do { link = try BusLink(url: url) } catch { throw SessionError("\(error)") }
        return try list(link: link)
    }

    static func list(link: BusLink) throws -> [SessionRecord] {
        let found = link.with { c throws(RedisError) -> Result<[SessionRecord], SessionError> in
            let scan = try c.scanKeys("payops:session:*:record")
            if let e = scan.refused { return .failure(SessionError(SessionServerBus.explain(e, url: link.url, role: "list sessions"))) }
            let hashes = scan.keys.isEmpty ? [] : try c.call(scan.keys.map { ["HGETALL", .text($0)] })
            let records = hashes.compactMap { SessionRecord(fields: SessionServerBus.hash($0.array ?? [])) }
            return .success(records.sorted { $0.started > $1.started })
        }
        guard let found else { throw SessionError("lost Redis at \(link.url.host):\(link.url.port): \(link.lost ?? "")") }
        return try found.get()
    }
}
