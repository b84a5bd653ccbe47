/// A transaction's coordinator as a state machine: collecting votes, the
/// 3PC pre-commit round, forcing the commit record, sending the decision
/// until every participant acknowledges it, answering inquiries, and what a
/// crash leaves of it.
///
/// Presumed abort: an abort is never logged or acknowledged, and a
/// coordinator asked about a transaction it has no commit record for
/// answers abort. Like `ParticipantMachine`, a value type whose `on(_:)`
/// returns effects; late inputs are named by `isStale` and dropped first.
struct CoordinatorMachine {
    enum Input {
        case start
        case voteYes(part: Int)
        case voteNo(part: Int, reason: AbortReason)
        /// A single-shard transaction finished on its shard.
        case localDone(committed: Bool, reason: AbortReason?)
        case precommitAck(part: Int)
        /// The commit record is durable.
        case logForced
        case ack(part: Int)
        /// 3PC: the participant had aborted on its own before the commit reached it.
        case hadAborted(part: Int)
        case timeout
        /// A participant in doubt asks; `afterRestart` when this coordinator
        /// has restarted since the transaction began (its volatile state is gone).
        case inquiry(part: Int, afterRestart: Bool)
        /// The coordinator's process died: undecided transactions are lost.
        case crash
        /// The coordinator restarted and read its log.
        case recover
    }

    enum Timer { case votes, resend }

    enum Effect {
        case toAll(ShardMessage)
        case toUnacked(ShardMessage)
        case toPart(Int, ShardMessage)
        case forceLog
        case arm(Timer)
        case tellClient(AttemptResult)
        /// Every participant voted yes (a crash point may fire here).
        case allVotedYes
        /// The commit record is durable (a crash point may fire here).
        case decisionDurable
        case decidedAbort(AbortReason)
        case finishedLocal(committed: Bool)
        /// Every participant answered the commit, and those in the mask had
        /// aborted on their own (3PC): the decision the client was told
        /// did not hold everywhere.
        case divergence(abortedParts: UInt64)
        /// The coordinator can forget it.
        case forget
    }

    let parts: Int
    let commitProtocol: CommitProtocol
    private(set) var phase: CoordinatorPhase = .collectingVotes
    private var voted: UInt64 = 0
    private var acked: UInt64 = 0
    /// Participants that answered the commit with an abort of their own.
    private var hadAborted: UInt64 = 0
    /// Timers armed before the last change are stale.
    private(set) var token: UInt32 = 0
    private(set) var abortReason: AbortReason?

    init(parts: Int, commitProtocol: CommitProtocol) {
        precondition(parts >= 1 && parts <= 64)
        self.parts = parts
        self.commitProtocol = commitProtocol
    }

    var isDistributed: Bool { parts > 1 }
    private var all: UInt64 { parts == 64 ? .max : (1 << UInt64(parts)) - 1 }
    func hasAcked(_ p: Int) -> Bool { acked & (1 << UInt64(p)) != 0 }

    func isStale(_ input: Input) -> Bool {
        switch input {
        case .start: phase != .collectingVotes || voted != 0
        case .voteYes(let p): phase != .collectingVotes || voted & (1 << UInt64(p)) != 0
        case .voteNo, .localDone: phase != .collectingVotes
        case .precommitAck(let p): phase != .precommitting || acked & (1 << UInt64(p)) != 0
        case .logForced: phase != .loggingCommit
        case .ack(let p), .hadAborted(let p): phase != .committed || acked & (1 << UInt64(p)) != 0
        case .timeout: phase == .loggingCommit || phase == .aborted || phase == .lost || phase == .done
        case .inquiry(_, let afterRestart):
            // Still deciding, and it knows it: the participant asks again later.
            !afterRestart && (phase == .collectingVotes || phase == .precommitting || phase == .loggingCommit)
        case .crash: phase == .done || phase == .aborted || phase == .lost
        case .recover: phase != .committed
        }
    }

    mutating func on(_ input: Input) -> Effects<Effect> {
        switch input {
        case .start:
            token &+= 1
            return Effects(.toAll(.prepare), .arm(.votes))

        case .voteYes(let p):
            voted |= 1 << UInt64(p)
            guard voted == all else { return Effects() }
            switch commitProtocol {
            case .twoPhase:
                phase = .loggingCommit
                token &+= 1
                return Effects(.allVotedYes, .forceLog)
            case .threePhase:
                phase = .precommitting
                token &+= 1
                return Effects(.allVotedYes, .toAll(.precommit(from: -1)), .arm(.votes))
            }

        case let .voteNo(_, reason):
            return abort(reason)

        case let .localDone(committed, reason):
            phase = committed ? .done : .aborted
            abortReason = committed ? nil : reason
            token &+= 1
            return Effects(.finishedLocal(committed: committed), .forget,
                           .tellClient(committed ? .committed : AttemptResult(reason ?? .voteTimeout)))

        case .precommitAck(let p):
            acked |= 1 << UInt64(p)
            guard acked == all else { return Effects() }
            return logCommit()

        case .logForced:
            phase = .committed
            acked = 0
            token &+= 1
            return Effects(.decisionDurable, .tellClient(.committed), .toUnacked(.commit), .arm(.resend))

        case .ack(let p):
            acked |= 1 << UInt64(p)
            return acked == all ? finishCommitted() : Effects()

        case .hadAborted(let p):
            precondition(commitProtocol == .threePhase, "a participant aborted a 2PC commit")
            acked |= 1 << UInt64(p)
            hadAborted |= 1 << UInt64(p)
            return acked == all ? finishCommitted() : Effects()

        case .timeout:
            switch phase {
            case .collectingVotes:
                if isDistributed { return abort(.voteTimeout) }
                // The shard did not answer: it may yet commit. The client
                // retries under the same key, which makes that safe.
                phase = .lost
                token &+= 1
                return Effects(.forget, .tellClient(.lost))
            case .precommitting:
                // 3PC: every participant voted yes; one that did not
                // acknowledge the pre-commit is presumed failed, so commit goes ahead.
                return logCommit()
            case .committed:
                return Effects(.toUnacked(.commit), .arm(.resend))
            default:
                preconditionFailure("timeout in \(phase)")
            }

        case let .inquiry(p, _):
            switch phase {
            case .committed, .done:
                return Effects(.toPart(p, .commit))
            case .aborted, .lost:
                return Effects(.toPart(p, .abort))
            case .collectingVotes, .precommitting, .loggingCommit:
                // Undecided by an earlier incarnation: nothing was logged.
                phase = .lost
                token &+= 1
                return Effects(.toPart(p, .abort))
            }

        case .crash:
            token &+= 1
            // A durable commit survives; everything undecided is lost.
            if phase != .committed { phase = .lost }
            return Effects()

        case .recover:
            // Resend every logged commit that is not yet acknowledged.
            token &+= 1
            return Effects(.toUnacked(.commit), .arm(.resend))
        }
    }

    private mutating func abort(_ reason: AbortReason) -> Effects<Effect> {
        phase = .aborted
        abortReason = reason
        token &+= 1
        // Presumed abort: nothing is logged and nothing is acknowledged.
        return Effects(.decidedAbort(reason), .toAll(.abort), .forget, .tellClient(AttemptResult(reason)))
    }

    /// Every participant answered the commit: the coordinator forgets the
    /// transaction, reporting any that had aborted instead.
    private mutating func finishCommitted() -> Effects<Effect> {
        phase = .done
        token &+= 1
        return hadAborted == 0 ? Effects(.forget) : Effects(.divergence(abortedParts: hadAborted), .forget)
    }

    private mutating func logCommit() -> Effects<Effect> {
        phase = .loggingCommit
        acked = 0
        token &+= 1
        return Effects(.forceLog)
    }
}
