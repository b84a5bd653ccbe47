import DequeModule

/// What a message on the log carries.
enum MessagePayload {
    /// A payment committed.
    case paymentSettled(requestID: Int64)
    /// The card gateway authorised a top-up: credit the wallet.
    case topupCallback(requestID: Int64, amount: Int64, wallet: Int32, source: Int32)
    case tradeExecuted(requestID: Int64)

    var requestID: Int64 {
        switch self {
        case .paymentSettled(let id), .topupCallback(let id, _, _, _), .tradeExecuted(let id): id
        }
    }
}

struct LogMessage {
    let offset: Int64
    let key: Int64
    let producedAt: Int64
    let payload: MessagePayload
}

/// One partition of a topic: an append-only sequence of offsets, trimmed
/// from the front once every group has committed past a message.
final class Partition {
    var messages: Deque<LogMessage> = []
    var startOffset: Int64 = 0
    var endOffset: Int64 = 0
    /// With a server log: offsets below this were handed to the server.
    var sentEnd: Int64 = 0
}

/// A topic: partitions chosen by key, so one customer's messages stay in order.
final class Topic {
    let name: String
    let partitions: [Partition]
    /// Its messages move money: it is never allowed to drop one. Producers
    /// hold room before the work that will produce (`reserved`) and are
    /// refused when there is none.
    let carriesMoney: Bool
    var produced = CounterSeries()
    /// Messages dropped because retention was exceeded (data loss, reported).
    var dropped: Int64 = 0
    /// Room held per partition for messages still to be produced.
    var reserved: [Int]

    init(name: String, partitions: Int, carriesMoney: Bool) {
        self.name = name
        self.partitions = (0..<partitions).map { _ in Partition() }
        self.carriesMoney = carriesMoney
        reserved = [Int](repeating: 0, count: partitions)
    }

    func partition(for key: Int64) -> Int { Int(Ledger.hash(UInt64(bitPattern: key)) % UInt64(partitions.count)) }
}

/// A consumer group: `consumers` workers share the topic's partitions
/// (partition p goes to consumer p mod n); each works one message at a time
/// and commits its offset only after the message's effect is done, so a
/// failure redelivers (at least once).
final class ConsumerGroup {
    let name: String
    let topic: Int
    var consumers: Int
    let processing: TabulatedLogNormal
    var committed: [Int64]
    /// The offset being processed per partition, if any.
    var inFlight: [Int64?]
    var busy: [Bool] = []
    var cursor: [Int] = []
    /// Bumped on every rebalance: work started before it is abandoned.
    var epoch: UInt32 = 0
    var consumed = CounterSeries()
    var redeliveries: Int64 = 0
    /// Redelivered messages whose effect had already landed: caught by the
    /// idempotency key and applied no second time.
    var duplicatesCaught: Int64 = 0
    var lagHistory = SecondSeries()
    /// With a server log: what each partition's consumer is working on (a
    /// fetch not yet answered, or an entry already at hand), the entries it
    /// fetched ahead, and whether its next fetch must first claim entries
    /// left pending by a consumer that went away (after a rebalance or a
    /// lost connection).
    var delivering: [Delivering?]
    var prefetched: [Deque<(entry: LogEntry, claimed: Bool)>]
    var claim: [Bool]

    init(name: String, topic: Int, partitions: Int, consumers: Int, processingMedian: SimDuration) {
        self.name = name
        self.topic = topic
        self.consumers = consumers
        processing = TabulatedLogNormal(median: Double(processingMedian.microseconds), sigma: 0.5)
        committed = [Int64](repeating: 0, count: partitions)
        inFlight = [Int64?](repeating: nil, count: partitions)
        delivering = [Delivering?](repeating: nil, count: partitions)
        prefetched = [Deque<(entry: LogEntry, claimed: Bool)>](repeating: [], count: partitions)
        claim = [Bool](repeating: false, count: partitions)
        busy = [Bool](repeating: false, count: consumers)
        cursor = [Int](repeating: 0, count: consumers)
    }
}

/// What a consumer of a server log is applying.
enum Delivering {
    case fetch(LogFetch)
    case entry(LogEntry, claimed: Bool)
}

/// A queue row as observers see it.
public struct QueueRow: Sendable, Equatable, Codable {
    public var topic: String
    public var group: String
    public var consumers: Int
    /// Messages retained in the topic (not yet consumed by every group).
    public var depth: Int64
    /// Log-end offset minus committed offset, summed over partitions.
    public var lag: Int64
    /// Per partition lag.
    public var partitionLag: [Int64]
    public var inRate: Double
    public var outRate: Double
    public var redeliveries: Int64
    public var duplicatesCaught: Int64
    public var lagHistory: [Double]
}
