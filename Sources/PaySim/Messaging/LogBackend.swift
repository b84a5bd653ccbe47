/// A message log on a server (Redis Streams): the transport the partitioned
/// log's messages travel through when it is not embedded.
///
/// The simulation keeps each produced message in its partition's outbox
/// until every consumer group has committed past it, and sends it to the
/// backend as an entry whose id is derived from its offset. Consumers fetch
/// their next entry from the backend, apply what the entry says and
/// acknowledge it. Calls are held and pipelined: a fetch is answered by the
/// first `result` that needs it, in one round trip with everything held.
public protocol LogBackend: AnyObject {
    /// `redis://host:port/db`, without the password.
    var backendName: String { get }
    /// False while the server cannot be reached.
    var isAvailable: Bool { get }
    /// Bumped on every new connection: the simulation then re-sends what the
    /// server is missing and makes sure its groups exist.
    var connectionGeneration: Int { get }
    /// Appends an entry for `offset` (trimming the stream to about `maxLength`).
    func append(stream: String, offset: Int64, body: String, maxLength: Int)
    /// Creates the group if missing, delivered up to and excluding `nextOffset`.
    func ensureGroup(stream: String, group: String, nextOffset: Int64)
    /// The offset of the stream's last entry: -1 when it has none or does not
    /// exist, nil when the server cannot be reached. One round trip.
    func lastOffset(stream: String) -> Int64?
    /// Asks for the consumer's next entries, up to `count`: never-delivered
    /// ones, or with `claim` the oldest pending ones of the group, whoever held them.
    func fetch(stream: String, group: String, consumer: String, claim: Bool, count: Int) -> LogFetch
    /// The fetch's answer, sending what is held if it has not been sent yet.
    func result(of fetch: LogFetch) -> LogFetch.Answer
    func acknowledge(stream: String, group: String, offset: Int64)
    /// Drops entries below `offset`: every group has committed past them.
    func trim(stream: String, below offset: Int64)
    /// Sends everything held.
    func flush()
    /// Once a simulated second: reconnects, refreshes depth and lag, and
    /// reports what changed.
    func poll(streams: [String]) -> [BackendNotice]
    /// Renews whatever keeps the backend's keys alive, by the wall clock.
    func keepAlive(streams: [String])
    /// Reads depth and lag now, for a final report.
    func refreshFigures(streams: [String])
    /// The server's view from the last `poll`: entries per stream, and each
    /// group's lag and pending count per stream.
    var streamLengths: [String: Int64] { get }
    var groupLags: [String: (lag: Int64, pending: Int64)] { get }
}

/// An entry as the server holds it: its offset and its body.
public struct LogEntry: Equatable, Sendable {
    public let offset: Int64
    public let body: String
    public init(offset: Int64, body: String) {
        self.offset = offset
        self.body = body
    }
}

/// One outstanding fetch; the backend fills in its answer.
public final class LogFetch {
    public enum Answer: Equatable, Sendable {
        /// At least one entry, in offset order.
        case entries([LogEntry])
        case empty
        case unavailable
    }
    public var answer: Answer?
    public let claim: Bool
    public init(claim: Bool) { self.claim = claim }
}

/// The key of a group's figures in `LogBackend.groupLags`: `stream|group`.
public func logGroupKey(stream: String, group: String) -> String { stream + "|" + group }

extension MessagePayload {
    /// The entry body on a server log: `kind field…`, space separated.
    var encoded: String {
        switch self {
        case .paymentSettled(let id): "payment-settled \(id)"
        case .tradeExecuted(let id): "trade-executed \(id)"
        case let .topupCallback(id, amount, wallet, source): "topup-callback \(id) \(amount) \(wallet) \(source)"
        }
    }

    init?(encoded: String) {
        let f = encoded.split(separator: " ")
        guard let kind = f.first else { return nil }
        let n = f.dropFirst().map { Int64($0) }
        guard n.allSatisfy({ $0 != nil }) else { return nil }
        let v = n.map { $0! }
        switch (kind, v.count) {
        case ("payment-settled", 1): self = .paymentSettled(requestID: v[0])
        case ("trade-executed", 1): self = .tradeExecuted(requestID: v[0])
        case ("topup-callback", 4):
            guard let w = Int32(exactly: v[2]), let s = Int32(exactly: v[3]) else { return nil }
            self = .topupCallback(requestID: v[0], amount: v[1], wallet: w, source: s)
        default: return nil
        }
    }
}
