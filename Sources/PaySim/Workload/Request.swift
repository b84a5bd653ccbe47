/// A client's request: what it wants done, its idempotency key and its
/// retries. Retries reuse the same writes and key, so a duplicate can be
/// recognised under the same row locks as the original.
final class Request {
    let id: Int64
    let workload: Workload
    let arrivedAt: Int64
    /// The client gives up at this time (Int64.max: no deadline).
    var deadline: Int64 = .max
    /// The transfer, sorted by (shard, row); empty for a top-up until authorised.
    var writes: [RowWrite]
    var attempts = 0
    var finished = false
    /// The id of the current attempt's transaction: only its outcome counts.
    var txnID: Int64 = 0
    /// Top-up: the amount to credit once the gateway authorises it.
    var amount: Int64 = 0
    var customer = 0
    var merchant = 0
    var symbol = 0
    /// Trade: shares bought (positive) or sold (negative), and the clearing shard.
    var quantity: Int64 = 0
    var clearingShard = 0

    /// The node serving the current attempt, and that node's process epoch.
    var node: Int?
    var nodeEpoch: UInt32 = 0
    var nodeArrivedAt: Int64 = 0
    var nodeToken: UInt32 = 0
    /// Cache reads issued to a pipelining backend and not yet answered.
    var cacheReadsHeld = false
    /// What the answered reads' misses add to the slot's time.
    var cacheExtra: Int64 = 0
    /// A cache miss found its shard down, cut off or too busy: the attempt
    /// fails for this reason once the slot's work is done.
    var readFailure: AbortReason?

    /// Top-up: the gateway call has begun, so the request is never retried
    /// (the card may be charged); the node making it and the call's token.
    var gatewayStarted = false
    var gatewayNode: Int?
    var gatewayToken: UInt32 = 0
    var gatewayCallStartedAt: Int64 = 0
    /// The call's timeout, cancelled when the call ends first.
    var gatewayTimer = TimerHandle.none
    /// Top-up: the callback partition where room is held for its message.
    var reservedPartition: Int?

    /// For a wallet-credit consumer's job: the message it is applying.
    struct Delivery {
        let group: Int
        let partition: Int
        let offset: Int64
        let epoch: UInt32
    }
    var delivery: Delivery?

    /// The payment, top-up, trade or payout this request's transaction is
    /// a step of (-1: none), the step, and its idempotency key: the
    /// request id for a client's own step, derived from it for later ones.
    var life: Int64 = -1
    var step: Step = .authorise
    var key: Int64
    /// The record, once it exists.
    var record: Life?
    /// A background job of the platform's (a capture, a release, a refund,
    /// a settlement, a payout), not a client's request.
    var isJob = false
    /// A job's transactions before its current one (`txnID`), oldest first.
    var earlierAttemptTxns: [Int64] = []
    /// Set when this request is sampled for tracing.
    var trace: TraceBuilder?

    init(id: Int64, workload: Workload, arrivedAt: Int64, writes: [RowWrite]) {
        self.id = id
        self.workload = workload
        self.arrivedAt = arrivedAt
        self.writes = writes
        key = id
    }
}

/// How a request ended, as its client saw it.
public enum RequestOutcome: Int, CaseIterable, Sendable {
    case committed, declined, aborted, failed
}
