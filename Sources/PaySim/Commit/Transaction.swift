/// One row write of a transaction: `delta` is added to the row's balance.
public struct RowWrite: Sendable, Equatable {
    public var row: Int32
    public var delta: Int64
}

/// Why a participant voted no, or a transaction aborted.
public enum AbortReason: Sendable, Equatable {
    /// A debit would take a row below its limit: a decline, not an error.
    case insufficientFunds
    /// The idempotency key has already committed: the retry is a duplicate.
    case duplicate
    case lockTimeout
    case voteTimeout
    /// The participant lost its state in a crash before it voted.
    case participantCrashed
    /// A coordinator that recovers without a commit record presumes abort.
    case presumedAbort
    /// A 3PC participant's termination protocol decided abort.
    case terminated
    case nodeFailed
    /// The shard's CPU queue was over its limit: it refused the work.
    case shardBusy
    /// The shard was down or cut off when a read needed it.
    case shardUnavailable
}

/// A participant's state in the commit protocol, as its shard sees it.
public enum ParticipantState: UInt8, Sendable {
    /// Not yet asked (or the request was lost).
    case idle
    /// Waiting for row locks.
    case locking
    /// Locked and validated; its prepare record is being forced.
    case preparing
    /// Voted yes and logged it: in 3PC terms, uncertain.
    case prepared
    /// 3PC: its pre-commit record is being forced.
    case precommitting
    /// 3PC: pre-committed and logged.
    case precommitted
    /// Its commit record is being forced; the writes apply when it is durable.
    case committing
    case committed
    case aborted

    var isFinal: Bool { self == .committed || self == .aborted }
    /// True when the participant's durable log says it voted yes and no decision has been applied.
    var isUndecidedAfterVote: Bool {
        self == .prepared || self == .precommitting || self == .precommitted || self == .committing
    }
}

/// One shard's part in a transaction: its rows, the locks it holds, and its
/// protocol state machine.
struct Participant {
    let shard: Int
    /// Indices into the transaction's writes, which are sorted by shard then row.
    let writes: Range<Int>
    /// Rows locked so far, a prefix of `writes` (locks are taken in row order).
    var locked = 0
    var machine: ParticipantMachine
    /// Counted in the in-doubt figures (until it reaches a final state).
    var countedInDoubt = false
    /// The last timer the machine armed, cancelled once the machine's token moves on.
    var timer = TimerHandle.none

    var state: ParticipantState { machine.state }
    var inDoubt: Bool { machine.inDoubt }
}

/// The coordinator's phase for one transaction.
enum CoordinatorPhase: UInt8 {
    case collectingVotes
    /// 3PC: pre-commit sent, waiting for acknowledgements.
    case precommitting
    /// The commit record is being forced to the coordinator's log.
    case loggingCommit
    /// Committed and durable at the coordinator; sending the decision until all acknowledge.
    case committed
    case aborted
    /// The coordinator crashed before deciding: no record, abort is presumed.
    case lost
    /// Every participant acknowledged; the coordinator has forgotten it.
    case done
}

/// A distributed (or single-shard) transaction: the unit the commit protocol
/// and the auditor reason about. A reference type because the coordinator,
/// its shards' lock tables and pending timers all point at the same one.
final class Txn {
    let id: Int64
    let workload: Workload
    let idempotencyKey: Int64
    /// The writes, sorted by (shard, row).
    let writes: [RowWrite]
    var parts: [Participant]
    let coordinator: Int
    /// The coordinator's incarnation that began this transaction.
    let coordinatorEpoch: UInt32
    let commitProtocol: CommitProtocol
    let startedAt: Int64
    var request: Request?
    /// The life (payment, top-up, trade, payout) and step it carries out, for the journal.
    var life: Int64 = -1
    var step: Step = .authorise
    /// The record itself, held so the journal needs no lookup per write.
    var record: Life?
    /// The coordinator's side, volatile on its node except for a durable commit.
    var coord: CoordinatorMachine
    /// The coordinator's last timer, cancelled once its token moves on.
    var coordTimer = TimerHandle.none

    var phase: CoordinatorPhase { coord.phase }
    /// Whether the client has been told the outcome (or lost its connection).
    var clientDone = false
    var everInDoubt = false
    var inDoubtNow = 0
    /// Sum of money and per-symbol share deltas applied so far, for the auditor.
    var appliedMoney: Int64 = 0
    var appliedShares: [Int64] = []
    var finalParts = 0
    var committedParts = 0
    /// Stays false until every participant has reached a final state.
    var settled = false

    init(id: Int64, workload: Workload, idempotencyKey: Int64, writes: [RowWrite], parts: [Participant],
         coordinator: Int, coordinatorEpoch: UInt32, commitProtocol: CommitProtocol, startedAt: Int64) {
        self.id = id
        self.workload = workload
        self.idempotencyKey = idempotencyKey
        self.writes = writes
        self.parts = parts
        self.coordinator = coordinator
        self.coordinatorEpoch = coordinatorEpoch
        self.commitProtocol = commitProtocol
        self.startedAt = startedAt
        coord = CoordinatorMachine(parts: parts.count, commitProtocol: commitProtocol)
    }

    var isDistributed: Bool { parts.count > 1 }
    /// The participant that checks and records the idempotency key. It must
    /// hold a row lock that every attempt under the same key also takes, or
    /// two attempts could both find the key absent: so it is the first
    /// participant with a locked (non-contra) row.
    var keyOwner = 0
}
