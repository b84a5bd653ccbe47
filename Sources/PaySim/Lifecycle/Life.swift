import DequeModule

/// A step in the life of money that one transaction carries out; every
/// posting in the journal is tagged with the step that made it.
public enum Step: UInt8, Sendable, CaseIterable {
    /// Payment: a hold on the wallet (wallet → holds escrow).
    case authorise
    /// Payment: the held amount to the merchant, less the fee; any rest released.
    case capture
    /// Payment: the hold voided (expired, or its client never learned of it).
    case release
    case refund
    case chargeback
    /// Top-up: the wallet credited for a captured card charge.
    case credit
    /// Trade: the order accepted, its cash or shares reserved.
    case order
    /// Trade: delivery versus payment, both legs in one transaction.
    case settle
    /// Trade: a reservation given back (settlement failed, or the client never learned of it).
    case unwind
    /// A chunk of a merchant payout batch.
    case payout

    public var name: String {
        switch self {
        case .authorise: "authorise"
        case .capture: "capture"
        case .release: "release"
        case .refund: "refund"
        case .chargeback: "chargeback"
        case .credit: "credit"
        case .order: "order"
        case .settle: "settle"
        case .unwind: "unwind"
        case .payout: "payout"
        }
    }

    /// The client's own step: its key is the request id, so a client retry
    /// is recognised as a duplicate.
    var isClientStep: Bool { self == .authorise || self == .order || self == .credit }

    /// The idempotency key of this step of record `id`. Later steps get
    /// their own keys, derived from the record's, so each is applied once
    /// however often it is retried, and never mistaken for another.
    func key(_ id: Int64) -> Int64 { isClientStep ? id : id | Int64(rawValue) << 56 }
}

/// One line of the journal: a row, the amount added to it, and the step.
struct Posting {
    let row: Int32
    let step: Step
    let delta: Int64
}

/// What a record is the life of.
enum LifeKind: UInt8 {
    case payment, topup, trade, payout
}

/// Where a record stands, as the platform believes it.
enum LifeState: UInt8, CaseIterable {
    /// The client's step is under way (authorisation, order, gateway call).
    case pending
    /// Payment: the hold is in place, waiting for capture or expiry.
    case held
    case capturing
    case captured
    case releasing
    case released
    /// Trade: accepted, waiting for its settlement date.
    case awaiting
    case settling
    case settled
    case unwinding
    case unwound
    case paying
    case paid
    /// Payout: declined (a merchant's balance fell since it was read); nothing moved.
    case failed
}

/// A timer in a record's life.
enum LifeTimer: UInt8 {
    case capture, expiry, refund, chargeback, settle
}

/// The life of one payment, top-up, trade or payout chunk: what the
/// platform believes happened, and the journal of what the ledger applied.
/// When it is over the reconciler compares the two and forgets it.
final class Life {
    let id: Int64
    let kind: LifeKind
    /// When it should be over; past this it counts towards the reconciliation lag.
    var dueAt: Int64 {
        didSet { census.moveDue(from: oldValue, to: dueAt) }
    }
    /// Counts records by kind and state, for the screen. The simulation owns
    /// both and every record, so the census outlives the record: no
    /// reference counting on a path taken for every record.
    unowned(unsafe) let census: LifeCensus
    var state: LifeState = .pending {
        didSet { census.move(kind, from: oldValue, to: state) }
    }
    var customer = 0
    var merchant = 0
    var symbol = 0
    /// The hold, the order's cash, the top-up's or the payout's amount.
    var amount: Int64 = 0
    /// Trade: shares bought (positive) or sold (negative).
    var quantity: Int64 = 0
    var clearingShard = 0
    /// The client's step is in the ledger (its transaction settled committed).
    var placed = false
    /// What the client was told, once it was.
    var client: RequestOutcome?
    /// Transactions of this record not yet settled on every participant.
    var openTxns = 0
    /// The background job in progress, if any.
    var job: Request?
    /// Refunds and chargebacks still to come.
    var followUps = 0
    /// Payment: the amount the platform asked to capture, and what it believes captured, refunded, charged back.
    var captureAmount: Int64 = 0
    var captured: Int64 = 0
    var refunded: Int64 = 0
    var chargedBack: Int64 = 0
    /// Payment: the hold expired uncaptured (else a release is a void).
    var expired = false
    /// Trade: settlement attempts the counterparty failed, and whether it was given up.
    var failedSettlements = 0
    var settlementFailed = false
    /// Top-up: credited to the wallet / its charge reversed at the gateway.
    var credited = false
    var reversed = false
    /// Payout: the merchants paid by this chunk and how much each.
    var payees: [(merchant: Int, amount: Int64)] = []
    var postings: [Posting] = []
    /// Reconciled and forgotten: a posting now is a break.
    var closed = false

    init(id: Int64, kind: LifeKind, dueAt: Int64, census: LifeCensus) {
        self.id = id
        self.kind = kind
        self.dueAt = dueAt
        self.census = census
        postings.reserveCapacity(kind == .payout ? 72 : 8)
        census.move(kind, from: nil, to: .pending)
        census.moveDue(from: nil, to: dueAt)
    }
}

/// A record's timer waiting for its second (`Simulation.scheduleLife`).
struct LifeTimerEntry: Comparable {
    let at: Int64
    let sequence: Int64
    let id: Int64
    let timer: LifeTimer
    static func < (a: LifeTimerEntry, b: LifeTimerEntry) -> Bool { (a.at, a.sequence) < (b.at, b.sequence) }
    static func == (a: LifeTimerEntry, b: LifeTimerEntry) -> Bool { a.at == b.at && a.sequence == b.sequence }
}

/// Open records by kind and state, and by the second they are due, kept
/// as they change so neither a snapshot nor the reconciler walks the
/// records (tens of thousands of objects, most of them out of cache).
final class LifeCensus {
    static let states = LifeState.allCases.count
    private(set) var counts = [Int](repeating: 0, count: 4 * LifeCensus.states)
    /// Open records due in a second before `dueBase`, and by second from
    /// `dueBase` on (index 0 is `dueBase`).
    private var duePast = 0
    private var dueBase: Int64 = 0
    private var dueBySecond = Deque<Int>()

    func moveDue(from: Int64?, to: Int64?) {
        if let from { addDue(from / 1_000_000, -1) }
        if let to { addDue(to / 1_000_000, 1) }
    }

    private func addDue(_ second: Int64, _ n: Int) {
        guard second >= dueBase else {
            duePast += n
            precondition(duePast >= 0, "record due census: more overdue records left than entered")
            return
        }
        let i = Int(second - dueBase)
        while dueBySecond.count <= i { dueBySecond.append(0) }
        dueBySecond[i] += n
        precondition(dueBySecond[i] >= 0, "record due census: more records left second \(second) than entered it")
    }

    /// Open records due before `micros`, which is a whole second no
    /// earlier than the last asked about (the reconciler runs on the
    /// tick): a record is overdue when its `dueAt` is earlier than the
    /// tick, that is, when its due second is.
    func overdue(at micros: Int64) -> Int {
        precondition(micros % 1_000_000 == 0, "overdue records are counted on whole seconds")
        let second = micros / 1_000_000
        precondition(second >= dueBase, "overdue records are counted going forward in time")
        while dueBase < second {
            duePast += dueBySecond.popFirst() ?? 0
            dueBase += 1
        }
        return duePast
    }

    func move(_ kind: LifeKind, from: LifeState?, to: LifeState?) {
        let base = Int(kind.rawValue) * LifeCensus.states
        if let from { counts[base + Int(from.rawValue)] -= 1 }
        if let to { counts[base + Int(to.rawValue)] += 1 }
    }

    func count(_ kind: LifeKind, _ states: LifeState...) -> Int {
        states.reduce(0) { $0 + counts[Int(kind.rawValue) * LifeCensus.states + Int($1.rawValue)] }
    }

    func count(_ kind: LifeKind) -> Int {
        let base = Int(kind.rawValue) * LifeCensus.states
        return counts[base..<base + LifeCensus.states].reduce(0, +)
    }
}

/// Per merchant, the journal's running totals by what moved the money, and
/// what the payout records say was paid.
struct MerchantBook {
    var captures: Int64 = 0
    var refunds: Int64 = 0
    var chargebacks: Int64 = 0
    var payoutsPosted: Int64 = 0
    var paidBelieved: Int64 = 0
    var payoutInFlight = false
    var posted: Int64 { captures + refunds + chargebacks + payoutsPosted }
}

public struct PaymentStats: Sendable, Equatable, Codable {
    /// Holds placed whose client was told the payment was authorised.
    public var authorised: Int64 = 0
    public var captured: Int64 = 0
    public var capturedMinorUnits: Int64 = 0
    public var partialCaptures: Int64 = 0
    /// Holds released because the client had been told the payment failed.
    public var voided: Int64 = 0
    /// Holds released because they were not captured in the window.
    public var expired: Int64 = 0
    public var refunded: Int64 = 0
    public var refundedMinorUnits: Int64 = 0
    /// Refunds the merchant's balance could not cover.
    public var refundsDeclined: Int64 = 0
    public var chargebacks: Int64 = 0
    public var chargebackMinorUnits: Int64 = 0
    public var chargebacksDeclined: Int64 = 0
    public init() {}
}

public struct TopupStats: Sendable, Equatable, Codable {
    /// Authorisations the gateway approved.
    public var authorised: Int64 = 0
    /// Captures the platform heard confirmed: the only ones it credits.
    public var captured: Int64 = 0
    /// Reversals the gateway acknowledged.
    public var reversed: Int64 = 0
    public init() {}
}

public struct TradeStats: Sendable, Equatable, Codable {
    public var accepted: Int64 = 0
    public var settled: Int64 = 0
    /// Settlement attempts the counterparty failed (each retried).
    public var failedAttempts: Int64 = 0
    /// Trades whose settlement was given up and unwound.
    public var settlementFailed: Int64 = 0
    /// Orders unwound because their client had been told they failed.
    public var unwoundUnknown: Int64 = 0
    public init() {}
}

public struct PayoutStats: Sendable, Equatable, Codable {
    public var batches: Int64 = 0
    /// Payout transactions (chunks of a batch) committed, and the money they paid.
    public var transactions: Int64 = 0
    public var paidMinorUnits: Int64 = 0
    /// Chunks declined (a merchant's balance fell below what was read); those merchants roll to the next batch.
    public var failed: Int64 = 0
    /// Attempts retried after an abort or a lost answer.
    public var retries: Int64 = 0
    public init() {}
}

/// A place where two records of the same money disagree. Reported, never corrected.
public struct ReconciliationBreak: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// What the client was told against what the ledger did.
        case client
        /// The ledger against the card gateway's record of charges.
        case gateway
        /// Merchant balances and payouts against the captures, refunds, chargebacks and fees that made them.
        case settlement
        /// What the platform believes a step did against the postings the ledger made.
        case journal
    }
    public var kind: Kind
    /// The payment, top-up, trade or payout record, when one is to blame.
    public var id: Int64?
    public var message: String
    public init(_ kind: Kind, id: Int64?, message: String) {
        self.kind = kind
        self.id = id
        self.message = message
    }
}

/// The reconciler's state: records checked, breaks found, and how long it
/// has been since every record that was due had matched.
struct Reconciliation {
    private(set) var breaks: [ReconciliationBreak] = []
    private(set) var breakCount: Int64 = 0
    var checked: Int64 = 0
    /// The last simulated time at which no record was overdue.
    var lastClean: Int64 = 0
    var overdue = 0
    static let keptBreaks = 200

    mutating func report(_ b: ReconciliationBreak) {
        breakCount += 1
        if breaks.count < Reconciliation.keptBreaks { breaks.append(b) }
    }
}
