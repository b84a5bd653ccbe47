/// One shard's part in a transaction as a state machine: presumed-abort 2PC,
/// and 3PC with Skeen's termination protocol.
///
/// A value type with no references. `on(_:)` takes an input and returns the
/// effects its owner carries out (row locks, log forces, messages, timers);
/// the machine never touches the ledger, the lock table or the clock.
///
/// Some inputs can legitimately arrive after the participant moved on: a
/// decision it already applied, a timer armed for an earlier state, a
/// pre-commit after the termination protocol aborted it. `isStale` names
/// them, and the owner drops them before calling `on`, which treats every
/// other input outside the protocol as a bug (`preconditionFailure`).
struct ParticipantMachine {
    /// Timers the owner arms; each fires as `.timer(kind)` under the token it was armed with.
    enum Timer: Equatable {
        /// Prepared (or pre-committed) and waiting for the decision.
        case decision
        /// 2PC in doubt: ask the coordinator again.
        case inquiry
        /// 3PC termination: the peers had their time to answer.
        case termination
        /// Recovery: resolve at once.
        case immediate
    }

    /// What the validation under locks found.
    enum Verdict: Equatable {
        case valid
        case refused(AbortReason)
    }

    enum Input {
        /// The coordinator asks it to prepare (or, single-shard, to commit).
        case prepare
        /// The shard was too busy to take the prepare.
        case busy
        /// Every row lock is held and the writes were validated under them.
        case locksGranted(Verdict)
        /// The record forced under the current token is durable.
        case forced
        /// 3PC pre-commit, from the coordinator (`from` nil) or a terminating peer.
        case precommit(from: Int?)
        case commit
        case abort
        case timer(Timer)
        /// A lock wait outlived the lock timeout.
        case lockTimeout
        /// Its prepare never arrived and the idle timeout passed.
        case idleTimeout
        /// The shard process died: everything not in the log is gone.
        case crash
        /// The shard restarted and read its log.
        case recover
        /// 3PC termination: a peer asks for this participant's state.
        case stateRequest(from: Int)
        case stateReply(from: Int, state: ParticipantState)
        /// 3PC termination: a peer acknowledges the pre-commit this participant sent it.
        case precommitAck(from: Int)
    }

    /// Peers a message goes to.
    enum Peers {
        case all
        /// Peers that answered the termination protocol's state request.
        case reached
        /// Reached peers that answered uncertain (prepared).
        case reachedUncertain
        case one(Int)
    }

    enum Effect {
        case acquireLocks
        case releaseLocks
        /// Re-take the row locks of a prepared participant found in the log.
        case retakeLocks
        /// Force a log record for the current state under the current token.
        case force
        case applyWrites
        case toCoordinator(CoordinatorMessage)
        case toPeers(Peers, ShardMessage)
        case arm(Timer)
        case markInDoubt
        /// Reached committed or aborted: the owner settles its bookkeeping.
        case final
    }

    let index: Int
    let peerCount: Int
    let distributed: Bool
    let commitProtocol: CommitProtocol

    private(set) var state: ParticipantState = .idle
    /// What the shard's log says: prepared, pre-committed, committed, aborted, or idle (nothing).
    private(set) var durable: ParticipantState = .idle
    /// Bumped on every change that makes earlier timers and forces meaningless.
    private(set) var token: UInt32 = 0
    private(set) var inDoubt = false
    /// Who sent the pre-commit being forced: nil for the coordinator.
    private var precommitFrom: Int?

    /// 3PC termination while this participant runs it.
    enum Termination: Equatable {
        case collecting
        /// Skeen's TR4: pre-commit sent to uncertain peers, waiting for their acks.
        case precommittingPeers(waiting: UInt64)
    }
    private(set) var termination: Termination?
    /// States heard from peers during termination (own state at `index`).
    private(set) var peerStates = PeerStates()

    init(index: Int, peerCount: Int, commitProtocol: CommitProtocol) {
        self.index = index
        self.peerCount = peerCount
        self.distributed = peerCount > 1
        self.commitProtocol = commitProtocol
    }

    /// The record being forced, if any: the owner carries its token with it.
    var isForcing: Bool { state == .preparing || state == .precommitting || state == .committing }

    /// Inputs that are late rather than wrong: the owner drops them.
    func isStale(_ input: Input) -> Bool {
        switch input {
        case .prepare, .busy:
            // Aborted by the idle timeout or by a terminating peer first.
            return state != .idle
        case .locksGranted, .lockTimeout:
            return state != .locking
        case .forced:
            return !isForcing
        case .precommit:
            // Duplicates, and the 3PC divergence: it already decided alone.
            return state != .prepared
        case .commit:
            // A commit meeting a 3PC abort is answered (`.hadAborted`); under 2PC it is a bug.
            return state == .committing
        case .abort:
            return state == .aborted || state == .committing || state == .committed
        case .timer(let kind):
            switch kind {
            case .decision, .inquiry, .immediate:
                return !(state == .prepared || state == .precommitted) || termination != nil
            case .termination:
                return termination == nil
            }
        case .idleTimeout:
            return state != .idle
        case .crash:
            return state.isFinal
        case .recover:
            return !(state == .prepared || state == .precommitted)
        case .stateRequest:
            // Every state answers.
            return false
        case .stateReply(let from, _):
            return termination != .collecting || from == index || peerStates[from] != nil
        case .precommitAck(let from):
            guard case .precommittingPeers(let waiting) = termination else { return true }
            return waiting & (1 << UInt64(from)) == 0
        }
    }

    /// Takes a transition. Call only with an input `isStale` did not reject.
    mutating func on(_ input: Input) -> Effects<Effect> {
        switch input {
        case .prepare:
            precondition(state == .idle, "prepare in \(state)")
            state = .locking
            token &+= 1
            return Effects(.acquireLocks)

        case .busy:
            precondition(state == .idle, "busy in \(state)")
            return refuse(.shardBusy, holdsLocks: false)

        case .locksGranted(let verdict):
            precondition(state == .locking, "locks granted in \(state)")
            guard verdict == .valid else {
                if case .refused(let reason) = verdict { return refuse(reason, holdsLocks: true) }
                preconditionFailure()
            }
            state = distributed ? .preparing : .committing
            return Effects(.force)

        case .lockTimeout:
            precondition(state == .locking)
            return refuse(.lockTimeout, holdsLocks: true)

        case .forced:
            switch state {
            case .preparing:
                state = .prepared
                durable = .prepared
                return Effects(.toCoordinator(.voteYes), .arm(.decision))
            case .precommitting:
                state = .precommitted
                durable = .precommitted
                let ack: Effect = precommitFrom.map { .toPeers(.one($0), .precommitAck(from: Int32(index))) } ?? .toCoordinator(.precommitAck)
                precommitFrom = nil
                return Effects(ack, .arm(.decision))
            case .committing:
                state = .committed
                durable = .committed
                token &+= 1
                termination = nil
                return Effects(.applyWrites, .releaseLocks, .final, .toCoordinator(distributed ? .ack : .localDone(committed: true, reason: nil)))
            default:
                preconditionFailure("forced in \(state)")
            }

        case .precommit(let from):
            precondition(state == .prepared, "precommit in \(state)")
            precondition(commitProtocol == .threePhase, "precommit under 2PC")
            state = .precommitting
            precommitFrom = from
            termination = nil
            token &+= 1
            return Effects(.force)

        case .commit:
            switch state {
            case .prepared, .precommitting, .precommitted:
                return beginCommit()
            case .committed:
                // Our acknowledgement was lost: the coordinator asks again.
                return Effects(.toCoordinator(.ack))
            case .aborted:
                // 3PC's divergence: the termination protocol aborted here
                // while the coordinator, presuming this participant failed,
                // committed. The log keeps the outcome, so it can say so.
                precondition(commitProtocol == .threePhase && distributed, "commit after abort under \(commitProtocol)")
                return Effects(.toCoordinator(.hadAborted))
            default:
                preconditionFailure("commit in \(state)")
            }

        case .abort:
            switch state {
            case .idle:
                return finishAbort(holdsLocks: false)
            case .locking, .preparing, .prepared, .precommitting, .precommitted:
                return finishAbort(holdsLocks: true)
            default:
                preconditionFailure("abort in \(state)")
            }

        case .timer(.termination):
            return terminationDeadline()

        case .timer:
            precondition(state == .prepared || state == .precommitted, "timer in \(state)")
            var out = Effects<Effect>()
            if !inDoubt {
                inDoubt = true
                out.append(.markInDoubt)
            }
            switch commitProtocol {
            case .twoPhase:
                // Blocked: only the coordinator knows. Ask, and ask again.
                out.append(.toCoordinator(.inquiry))
                out.append(.arm(.inquiry))
            case .threePhase:
                out += startTermination()
            }
            return out

        case .idleTimeout:
            precondition(state == .idle)
            return finishAbort(holdsLocks: false)

        case .crash:
            token &+= 1
            termination = nil
            precommitFrom = nil
            switch durable {
            case .prepared, .precommitted:
                // The log says it voted yes: it comes back that way.
                state = durable
                return Effects()
            default:
                // Nothing durable: it never voted, so it aborts alone. The
                // crash already emptied the lock table.
                return finishAbort(holdsLocks: false)
            }

        case .recover:
            precondition(state == .prepared || state == .precommitted)
            var out = Effects<Effect>(.retakeLocks)
            if !inDoubt {
                inDoubt = true
                out.append(.markInDoubt)
            }
            out.append(.arm(.immediate))
            return out

        case .stateRequest(let from):
            var out = Effects<Effect>()
            switch state {
            case .idle:
                // It never voted, so it can abort before it answers: a
                // terminator's abort can never meet a later yes vote.
                out += finishAbort(holdsLocks: false)
            case .locking, .preparing:
                out += finishAbort(holdsLocks: true)
            default:
                break
            }
            out.append(.toPeers(.one(from), .stateReply(from: Int32(index), state: state)))
            return out

        case let .stateReply(from, reported):
            peerStates[from] = reported
            return peerStates.contains(where: { $0 == nil }) ? Effects() : finishCollecting()

        case .precommitAck(let from):
            guard case .precommittingPeers(var waiting) = termination else { preconditionFailure() }
            waiting &= ~(1 << UInt64(from))
            termination = .precommittingPeers(waiting: waiting)
            return waiting == 0 ? commitAsTerminator() : Effects()
        }
    }

    /// The termination window closed: decide with the peers that answered.
    private mutating func terminationDeadline() -> Effects<Effect> {
        switch termination {
        case .collecting?:
            return finishCollecting()
        case .precommittingPeers?:
            // Skeen: a peer that did not acknowledge is presumed failed.
            return commitAsTerminator()
        case nil:
            preconditionFailure("termination deadline without termination")
        }
    }

    // MARK: Transitions shared by several inputs

    private mutating func refuse(_ reason: AbortReason, holdsLocks: Bool) -> Effects<Effect> {
        var out = finishAbort(holdsLocks: holdsLocks)
        out.append(.toCoordinator(distributed ? .voteNo(reason) : .localDone(committed: false, reason: reason)))
        return out
    }

    private mutating func finishAbort(holdsLocks: Bool) -> Effects<Effect> {
        state = .aborted
        durable = .aborted
        token &+= 1
        termination = nil
        var out = Effects<Effect>()
        if holdsLocks { out.append(.releaseLocks) }
        out.append(.final)
        return out
    }

    private mutating func beginCommit() -> Effects<Effect> {
        state = .committing
        token &+= 1
        termination = nil
        return Effects(.force)
    }

    /// 3PC: ask every peer for its state; whoever answers in the window counts.
    private mutating func startTermination() -> Effects<Effect> {
        token &+= 1
        termination = .collecting
        peerStates = PeerStates(unheard: peerCount)
        peerStates[index] = state
        return Effects(.toPeers(.all, .stateRequest(from: Int32(index))), .arm(.termination))
    }

    /// Skeen's rules over the states heard. Peers not heard from decide for
    /// themselves later, which is how 3PC diverges under a partition: each
    /// side elects its own terminator and may decide differently.
    private mutating func finishCollecting() -> Effects<Effect> {
        let heard = peerStates.compactMap { $0 }
        if heard.contains(where: { $0 == .committed || $0 == .committing }) {
            // TR2: someone has committed.
            return decideAsTerminator(commit: true)
        }
        if heard.contains(where: { $0 == .aborted || $0 == .idle || $0 == .locking || $0 == .preparing }) {
            // TR1: someone has aborted (or had not voted, and aborted on being asked).
            return decideAsTerminator(commit: false)
        }
        // Everyone heard is uncertain or committable. Skeen elects one
        // terminator among the reachable: the lowest index. Others wait for it.
        let leader = peerStates.firstIndex { $0 != nil }!
        if leader != index {
            termination = nil
            token &+= 1
            return Effects(.arm(.decision))
        }
        let committable = heard.contains { $0 == .precommitted || $0 == .precommitting }
        guard committable else {
            // TR3: all uncertain: nobody can have committed.
            return decideAsTerminator(commit: false)
        }
        // TR4: move the uncertain peers to pre-committed, then commit.
        var waiting: UInt64 = 0
        for (q, s) in peerStates.enumerated() where q != index && s == .prepared { waiting |= 1 << UInt64(q) }
        guard waiting != 0 else { return commitAsTerminator() }
        token &+= 1
        termination = .precommittingPeers(waiting: waiting)
        return Effects(.toPeers(.reachedUncertain, .precommit(from: Int32(index))), .arm(.termination))
    }

    private mutating func commitAsTerminator() -> Effects<Effect> {
        decideAsTerminator(commit: true)
    }

    /// Applies the terminator's decision here and sends it to every peer it reached.
    private mutating func decideAsTerminator(commit: Bool) -> Effects<Effect> {
        var out = Effects<Effect>(.toPeers(.reached, commit ? .commit : .abort))
        if commit {
            out += beginCommit()
        } else {
            out += finishAbort(holdsLocks: true)
        }
        return out
    }

    /// The participant the owner should treat as reached by the termination protocol.
    func reached(_ q: Int) -> Bool { q != index && q < peerStates.count && peerStates[q] != nil }
}

/// The states a 3PC terminator has heard from its peers (nil: not heard),
/// four bits a peer for up to 64 peers, held inline: a participant stays
/// plain data, so a transaction's participants are copied and freed as
/// memory, with no reference to count.
struct PeerStates: RandomAccessCollection, MutableCollection, Equatable {
    static let capacity = 64
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
    private(set) var endIndex = 0
    var startIndex: Int { 0 }

    init() {}

    /// `count` peers, none heard yet.
    init(unheard count: Int) {
        precondition(count >= 0 && count <= PeerStates.capacity, "\(count) peers: at most \(PeerStates.capacity)")
        endIndex = count
    }

    subscript(i: Int) -> ParticipantState? {
        get {
            precondition(i >= 0 && i < endIndex, "peer \(i) of \(endIndex)")
            let shift = UInt64(i & 15) * 4
            let word: UInt64 = switch i >> 4 { case 0: w0; case 1: w1; case 2: w2; default: w3 }
            let code = UInt8((word >> shift) & 0xF)
            return code == 0 ? nil : ParticipantState(rawValue: code - 1)
        }
        set {
            precondition(i >= 0 && i < endIndex, "peer \(i) of \(endIndex)")
            let shift = UInt64(i & 15) * 4
            let code = UInt64(newValue.map { $0.rawValue + 1 } ?? 0)
            func put(_ w: inout UInt64) { w = w & ~(0xF << shift) | code << shift }
            switch i >> 4 {
            case 0: put(&w0)
            case 1: put(&w1)
            case 2: put(&w2)
            default: put(&w3)
            }
        }
    }
}
