/// What a shared session puts on the bus, and how a console puts it back
/// together. The transport (Redis streams) lives elsewhere; these are
/// plain values, so both ends and the tests share one definition.
public enum SessionWire {
    /// Raised whenever the encoded form of a frame changes: a console
    /// refuses a session of another version rather than misread it.
    public static let version = 1
    /// Seconds of flow every frame repeats, so a console that missed a few
    /// frames loses no second of the chart.
    public static let flowTail = 10
    /// Whole-hour flow is published apart from the frames, this often (wall seconds).
    public static let flowEverySeconds = 2.0
    /// Frames carry the sampled traces this often (wall seconds): they
    /// change slowly and weigh several times the rest of a frame.
    public static let tracesEverySeconds = 5
}

/// One published frame: everything the console draws, less the event log
/// (published as its own stream) and the flow's history (its last seconds
/// only; the whole hour is published apart).
public struct SessionFrame: Codable, Sendable {
    /// Frames published so far, this one included.
    public var sequence: Int64
    /// Wall time of publication, in milliseconds since 1970.
    public var publishedMillis: Int64
    /// The speed the facilitator set, and the speed achieved (nil while paused or not yet measured).
    public var speed: Double
    public var achievedSpeed: Double?
    /// `running`, `paused` or `ended`.
    public var state: String
    /// The bus id of the newest operator command the server has applied or refused.
    public var lastCommandID: String?
    /// Events the simulation has logged since it began.
    public var eventsLogged: Int64
    /// Whether this frame carries the sampled traces (every
    /// `SessionWire.tracesEverySeconds`).
    public var tracesIncluded: Bool
    public var snapshot: MetricsSnapshot

    public init(sequence: Int64, publishedMillis: Int64, speed: Double, achievedSpeed: Double?, state: String,
                lastCommandID: String?, eventsLogged: Int64, live: MetricsSnapshot, withTraces: Bool = true) {
        self.sequence = sequence
        self.publishedMillis = publishedMillis
        self.speed = speed
        self.achievedSpeed = achievedSpeed
        self.state = state
        self.lastCommandID = lastCommandID
        self.eventsLogged = eventsLogged
        tracesIncluded = withTraces
        var s = live
        s.events = []
        if !withTraces { s.traces = TraceLists(sampleEvery: live.traces.sampleEvery) }
        s.flow = live.flow.map { f in
            var t = MetricsSnapshot.FlowHistory()
            t.offered = SecondSeries(tail: f.offered, SessionWire.flowTail)
            t.goodput = SecondSeries(tail: f.goodput, SessionWire.flowTail)
            t.failed = SecondSeries(tail: f.failed, SessionWire.flowTail)
            t.p99 = SecondSeries(tail: f.p99, SessionWire.flowTail)
            t.seconds = f.seconds
            return t
        }
        // The screen reads ten-second windows of these: the rest of the minute stays home.
        for i in s.workloads.indices { s.workloads[i].load = s.workloads[i].load.keepingNewest(Simulation.window) }
        snapshot = s
    }

    public func encoded() throws -> [UInt8] { try BinaryCodec.encode(self) }
    public static func decode(_ bytes: [UInt8]) throws -> SessionFrame { try BinaryCodec.decode(SessionFrame.self, from: bytes) }
}

extension SecondSeries {
    /// The newest `n` samples of `other`, in a series of that capacity.
    init(tail other: SecondSeries, _ n: Int) {
        self.init(capacity: max(1, n))
        for v in other.tail(n) { append(v) }
    }
}

extension CounterSeries {
    func keepingNewest(_ n: Int) -> CounterSeries {
        var c = self
        c.keepOnly(n)
        return c
    }
}

extension LoadStats {
    func keepingNewest(_ n: Int) -> LoadStats {
        var l = self
        l.offered = offered.keepingNewest(n)
        l.attempts = attempts.keepingNewest(n)
        l.retries = retries.keepingNewest(n)
        l.shed = shed.keepingNewest(n)
        l.limited = limited.keepingNewest(n)
        l.goodput = goodput.keepingNewest(n)
        l.outcomes = outcomes.map { $0.keepingNewest(n) }
        return l
    }
}

/// Puts the hour of flow back together from the frames' last seconds and
/// the occasional whole history.
public struct FlowAssembler: Sendable {
    public private(set) var flow: [MetricsSnapshot.FlowHistory] = []
    public init() {}

    /// Takes a whole published history.
    public mutating func reset(_ whole: [MetricsSnapshot.FlowHistory]) {
        if whole.first?.seconds ?? 0 >= flow.first?.seconds ?? 0 || flow.count != whole.count { flow = whole }
    }

    /// Adds the seconds of `tail` not yet held; false when seconds are
    /// missing between what is held and the tail (fetch the whole history).
    public mutating func merge(_ tail: [MetricsSnapshot.FlowHistory]) -> Bool {
        guard flow.count == tail.count else { return false }
        var complete = true
        for i in tail.indices {
            let t = tail[i]
            let missing = Int(t.seconds - flow[i].seconds)
            guard missing > 0 else { continue }
            guard missing <= t.offered.count else { complete = false; continue }
            let o = t.offered.tail(missing), g = t.goodput.tail(missing), f = t.failed.tail(missing), p = t.p99.tail(missing)
            for k in 0..<missing {
                flow[i].offered.append(o[k])
                flow[i].goodput.append(g[k])
                flow[i].failed.append(f[k])
                flow[i].p99.append(p[k])
            }
            flow[i].seconds = t.seconds
        }
        return complete
    }
}

/// A shared session's record: what `payops sessions` lists and what an
/// attaching console needs before the first frame.
public struct SessionRecord: Codable, Sendable, Equatable {
    public var name: String
    public var version: Int
    public var seed: UInt64
    /// The model flags as `payops run` arguments.
    public var flags: String
    public var drill: String?
    /// Wall time the server started, ISO 8601.
    public var started: String
    public var speed: Double
    /// `running`, `paused` or `ended`.
    public var state: String
    public var fps: Int
    public var nodes: Int
    public var shards: Int
    /// Wall milliseconds of the server's latest sign of life.
    public var heartbeatMillis: Int64
    /// How the session ended (when it has), and when its keys expire.
    public var ending: String?
    public var expiresInSeconds: Int
    /// Users whose consoles have attached, in the order they first did.
    public var users: [String] = []

    public init(name: String, seed: UInt64, flags: String, drill: String?, started: String, speed: Double, state: String,
                fps: Int, nodes: Int, shards: Int, heartbeatMillis: Int64, ending: String? = nil, expiresInSeconds: Int) {
        self.name = name; self.version = SessionWire.version; self.seed = seed; self.flags = flags; self.drill = drill
        self.started = started; self.speed = speed; self.state = state; self.fps = fps; self.nodes = nodes; self.shards = shards
        self.heartbeatMillis = heartbeatMillis; self.ending = ending; self.expiresInSeconds = expiresInSeconds
    }

    public var shape: PlatformShape { PlatformShape(nodes: nodes, shards: shards) }

    /// As Redis hash fields (text, readable with redis-cli).
    public var fields: [(String, String)] {
        [("name", name), ("version", "\(version)"), ("seed", "\(seed)"), ("flags", flags), ("drill", drill ?? ""),
         ("started", started), ("speed", "\(speed)"), ("state", state), ("fps", "\(fps)"), ("nodes", "\(nodes)"),
         ("shards", "\(shards)"), ("heartbeat_ms", "\(heartbeatMillis)"), ("ending", ending ?? ""),
         ("expires_in_s", "\(expiresInSeconds)"), ("users", users.joined(separator: ","))]
    }

    /// Reads the hash back; nil when a field is missing or malformed
    /// (`version` is read first, so another version is told apart).
    public init?(fields: [String: String]) {
        guard let name = fields["name"], let v = fields["version"].flatMap(Int.init), let seed = fields["seed"].flatMap(UInt64.init),
              let flags = fields["flags"], let started = fields["started"], let speed = fields["speed"].flatMap(Double.init),
              let state = fields["state"], let fps = fields["fps"].flatMap(Int.init), let nodes = fields["nodes"].flatMap(Int.init),
              let shards = fields["shards"].flatMap(Int.init), let hb = fields["heartbeat_ms"].flatMap(Int64.init),
              let expires = fields["expires_in_s"].flatMap(Int.init) else { return nil }
        self.init(name: name, seed: seed, flags: flags, drill: fields["drill"].flatMap { $0.isEmpty ? nil : $0 }, started: started,
                  speed: speed, state: state, fps: fps, nodes: nodes, shards: shards, heartbeatMillis: hb,
                  ending: fields["ending"].flatMap { $0.isEmpty ? nil : $0 }, expiresInSeconds: expires)
        version = v
        users = (fields["users"] ?? "").split(separator: ",").map(String.init)
    }

    /// Running with no sign of life for this long: the server is gone.
    public static let staleAfterMillis: Int64 = 5_000
    public func isStale(nowMillis: Int64) -> Bool { state != "ended" && nowMillis - heartbeatMillis > SessionRecord.staleAfterMillis }
}

/// The keys of one session: everything payops writes lives under `prefix`.
public struct SessionKeys: Sendable, Equatable {
    public let name: String
    public init(_ name: String) { self.name = name }
    public var prefix: String { "payops:session:\(name):" }
    public var record: String { prefix + "record" }
    public var snapshots: String { prefix + "snapshots" }
    public var events: String { prefix + "events" }
    public var flow: String { prefix + "flow" }
    public func commands(_ user: String) -> String { prefix + "commands:" + user }
    public func replies(_ user: String) -> String { prefix + "replies:" + user }
    public func control(_ user: String) -> String { prefix + "control:" + user }
    public var commandsPattern: String { prefix + "commands:*" }
    public var controlPattern: String { prefix + "control:*" }

    /// A session name: letters, digits, `-`, `_` and `.`, 1 to 64 of them;
    /// nil when `name` is one, else what is wrong.
    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "a session name cannot be empty" }
        if name.count > 64 { return "a session name has at most 64 characters" }
        if let bad = name.first(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".")) }) {
            return "'\(bad)' cannot be in a session name: use letters, digits, '-', '_' and '.'"
        }
        return nil
    }
}

/// Milliseconds of a Redis stream id (`1700000000000-3`).
public func streamIDMillis(_ id: String) -> Int64? {
    Int64(id.prefix { $0 != "-" })
}
