import DequeModule

/// One sampled request's path through the platform in simulated time:
/// arrival, the balancer's choice, the node's queue and slot, cache reads,
/// every commit-protocol step per shard, the gateway call, messages
/// produced and consumed. Identifiers are masked at the source: an account
/// keeps its last four digits, a card its first six and last four.
public struct TransactionTrace: Sendable, Equatable, Codable {
    public struct Step: Sendable, Equatable, Codable {
        /// Who: `client`, `balancer`, `node-3`, `cache`, `coordinator node-3`, `shard-2`, `gateway`, `log`.
        public var lane: String
        public var label: String
        /// Microseconds after arrival; `end == start` for an instant.
        public var start: Int64
        public var end: Int64
    }
    public var id: Int64
    public var workload: Workload
    public var arrivedAt: SimTime
    /// Microseconds from arrival to the client's answer (nil: in flight).
    public var latency: Int64?
    /// committed, declined, aborted or failed (nil: in flight).
    public var outcome: String?
    public var attempts: Int
    /// A participant of its transaction was ever in doubt.
    public var inDoubt: Bool
    public var account: String
    public var card: String?
    public var steps: [Step]
    /// Steps past `Traces.maxSteps` are counted, not kept.
    public var stepsDropped: Int

    public var failed: Bool { outcome == "aborted" || outcome == "failed" }

    /// A step's label for people: the protocol's type names left out.
    public static func readable(_ label: String) -> String {
        guard label.contains(".") else { return label }
        var s = label
        for q in ["PaySim.", "ShardMessage.", "CoordinatorMessage.", "ParticipantMachine.", "CoordinatorMachine.", "Verdict.", "AbortReason."] {
            s = s.replacing(q, with: "")
        }
        return s.replacing("Optional(", with: "(")
    }
}

/// The sampled traces the console shows: the latest, the slowest of the
/// last minute, the latest failed and the latest in doubt. Bounded.
public struct TraceLists: Sendable, Equatable, Codable {
    /// One request in this many is traced (0: tracing off).
    public var sampleEvery: Int
    public var latest: [TransactionTrace] = []
    public var slowest: [TransactionTrace] = []
    public var failed: [TransactionTrace] = []
    public var inDoubt: [TransactionTrace] = []
    public init(sampleEvery: Int) { self.sampleEvery = sampleEvery }

    public var isEmpty: Bool { latest.isEmpty && slowest.isEmpty && failed.isEmpty && inDoubt.isEmpty }
}

/// A trace being written while its request is in flight.
final class TraceBuilder {
    var trace: TransactionTrace
    let arrivedAt: Int64
    var slotStart: Int64 = 0
    var cacheHits = 0, cacheMisses = 0

    init(_ r: Request, now: Int64) {
        arrivedAt = r.arrivedAt
        trace = TransactionTrace(id: r.id, workload: r.workload, arrivedAt: SimTime(microseconds: r.arrivedAt), latency: nil,
                                 outcome: nil, attempts: 0, inDoubt: false, account: Traces.maskedAccount(r.customer),
                                 card: r.workload == .topup ? Traces.maskedCard(r.customer) : nil, steps: [], stepsDropped: 0)
    }

    func step(_ lane: String, _ label: String, from: Int64, to: Int64) {
        guard trace.steps.count < Traces.maxSteps else { trace.stepsDropped += 1; return }
        trace.steps.append(TransactionTrace.Step(lane: lane, label: label, start: from - arrivedAt, end: max(from, to) - arrivedAt))
    }
    func mark(_ lane: String, _ label: String, at t: Int64) { step(lane, label, from: t, to: t) }
}

/// Keeps the finished traces, bounded: the latest, the slowest per ten
/// seconds for the last minute, the latest failed and in doubt; and a
/// short memory by request id so a message consumed later finds its trace.
struct Traces {
    static let maxSteps = 64
    /// One request in this many is traced by default: enough for the lists
    /// at any load worth watching, and cheap (a traced request costs some
    /// 70,000 instructions of formatting, about 25 µs).
    static let defaultSampleEvery = 50
    static let kept = 12
    var sampleEvery: Int {
        didSet {
            shown = nil
            if !ratesUsed.contains(sampleEvery) { ratesUsed.append(sampleEvery) }
        }
    }
    /// Every rate the run has sampled at: a request is traced only if its
    /// id is a multiple of one of them, so most lookups end in arithmetic
    /// rather than a probe of `byRequest`.
    private var ratesUsed: [Int]
    var latest = Deque<TransactionTrace>()
    var failed = Deque<TransactionTrace>()
    var inDoubt = Deque<TransactionTrace>()
    /// The slowest of each ten-second window, the last six windows.
    var slowestByWindow = Deque<(window: Int64, traces: [TransactionTrace])>()
    /// Open and recently finished builders by request id.
    var byRequest = Int64Map<TraceBuilder>()
    var recentIDs = Deque<Int64>()
    /// The lists as last made, until a trace finishes or changes.
    private var shown: TraceLists?

    init(sampleEvery: Int) {
        self.sampleEvery = sampleEvery
        ratesUsed = [sampleEvery]
    }

    func samples(_ id: Int64) -> Bool { sampleEvery > 0 && id % Int64(sampleEvery) == 0 }

    /// The trace of request `id`, open or recently finished, if it has one.
    func builder(for id: Int64) -> TraceBuilder? {
        guard !byRequest.isEmpty, ratesUsed.contains(where: { $0 > 0 && id % Int64($0) == 0 }) else { return nil }
        return byRequest[id]
    }

    mutating func open(_ b: TraceBuilder) { byRequest[b.trace.id] = b }

    mutating func finish(_ b: TraceBuilder, now: Int64) {
        shown = nil
        let t = b.trace
        latest.append(t)
        if latest.count > Traces.kept { latest.removeFirst() }
        if t.failed { failed.append(t); if failed.count > Traces.kept { failed.removeFirst() } }
        if t.inDoubt { inDoubt.append(t); if inDoubt.count > Traces.kept { inDoubt.removeFirst() } }
        let window = now / 10_000_000
        if slowestByWindow.last?.window != window {
            slowestByWindow.append((window, []))
            while let first = slowestByWindow.first, first.window <= window - 6 { slowestByWindow.removeFirst() }
        }
        var w = slowestByWindow.removeLast()
        w.traces.append(t)
        w.traces.sort { ($0.latency ?? 0) > ($1.latency ?? 0) }
        if w.traces.count > Traces.kept { w.traces.removeLast() }
        slowestByWindow.append(w)
        // Kept a while by id: a message it produced may be consumed after its answer.
        recentIDs.append(t.id)
        if recentIDs.count > 256, let old = recentIDs.popFirst() { byRequest[old] = nil }
    }

    /// Updates a finished trace in the lists (a later consumption).
    mutating func refresh(_ b: TraceBuilder) {
        shown = nil
        let t = b.trace
        func update(_ d: inout Deque<TransactionTrace>) { for i in d.indices where d[i].id == t.id { d[i] = t } }
        update(&latest); update(&failed); update(&inDoubt)
        for i in slowestByWindow.indices { for j in slowestByWindow[i].traces.indices where slowestByWindow[i].traces[j].id == t.id { slowestByWindow[i].traces[j] = t } }
    }

    /// The lists as the console shows them, made again only after a change.
    mutating func lists() -> TraceLists {
        if let shown { return shown }
        var l = TraceLists(sampleEvery: sampleEvery)
        l.latest = Array(latest.reversed())
        l.failed = Array(failed.reversed())
        l.inDoubt = Array(inDoubt.reversed())
        // Sorted as small (latency, window, place) triples, and only the kept traces copied.
        var order: [(latency: Int64, window: Int, place: Int)] = []
        order.reserveCapacity(slowestByWindow.count * Traces.kept)
        for (w, window) in slowestByWindow.enumerated() {
            for (p, t) in window.traces.enumerated() { order.append((t.latency ?? 0, w, p)) }
        }
        order.sort { $0.latency > $1.latency }
        l.slowest = order.prefix(Traces.kept).map { slowestByWindow[$0.window].traces[$0.place] }
        shown = l
        return l
    }

    /// An account as shown: its last four digits only.
    static func maskedAccount(_ customer: Int) -> String {
        let digits = String(customer % 10_000)
        return "acct ••••" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// A customer's card as shown: the issuer's six digits and the last
    /// four. The middle digits are never made, so they cannot leak.
    static func maskedCard(_ customer: Int) -> String {
        let last = String((customer &* 7_919 &+ 1_234) % 10_000)
        return "453201******" + String(repeating: "0", count: 4 - last.count) + last
    }
}

extension Simulation {
    /// A protocol step for a trace's waterfall: what came in, the state it
    /// left, what it did (see `TraceText`).
    func stepText<I: TraceText, S: TraceText, E: TraceText>(_ input: I, _ state: S, _ effects: Effects<E>) -> String {
        var s = input.traceText
        s += " → "
        s += state.traceText
        for i in 0..<effects.count {
            s += i == 0 ? "; " : ", "
            s += effects[i].traceText
        }
        return s
    }

    /// One request in this many is traced (0: none). Tracing only watches:
    /// a traced run is the same run.
    public var traceSampleEvery: Int {
        get { traces.sampleEvery }
        set { traces.sampleEvery = max(0, newValue) }
    }
}

extension TraceLists {
    /// How many traces each list keeps.
    public static var kept: Int { Traces.kept }
}
