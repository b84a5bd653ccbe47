/// How a value reads in a trace step: the protocol's inputs, states and
/// effects as a person reads them, with the type names a reader needs
/// (`arm(Timer.decision)`) and none they do not (`toAll(prepare)`).
///
/// Written out case by case rather than asked of reflection: describing a
/// nested enum through `String(describing:)` demangles its type names every
/// time (tens of microseconds), and a traced request describes dozens.
/// `TraceTextTests` holds every case to what `TransactionTrace.readable`
/// makes of Swift's own description, so the two cannot drift apart.
protocol TraceText {
    /// The value on its own (a step's input, state or effect).
    var traceText: String { get }
    /// The value as the payload of another case (`Timer.decision` rather than `decision`).
    var nestedTraceText: String { get }
}

extension TraceText {
    var nestedTraceText: String { traceText }
}

/// A case name qualified by the type a reader needs to place it.
private func qualified(_ type: String, _ text: String) -> String { type + "." + text }

/// An optional payload as `readable` leaves Swift's `Optional(x)`.
private func optional<T>(_ v: T?, _ text: (T) -> String) -> String { v.map { "(" + text($0) + ")" } ?? "nil" }

extension AbortReason: TraceText {
    var traceText: String {
        switch self {
        case .insufficientFunds: "insufficientFunds"
        case .duplicate: "duplicate"
        case .lockTimeout: "lockTimeout"
        case .voteTimeout: "voteTimeout"
        case .participantCrashed: "participantCrashed"
        case .presumedAbort: "presumedAbort"
        case .terminated: "terminated"
        case .nodeFailed: "nodeFailed"
        case .shardBusy: "shardBusy"
        case .shardUnavailable: "shardUnavailable"
        }
    }
}

extension ParticipantState: TraceText {
    var traceText: String {
        switch self {
        case .idle: "idle"
        case .locking: "locking"
        case .preparing: "preparing"
        case .prepared: "prepared"
        case .precommitting: "precommitting"
        case .precommitted: "precommitted"
        case .committing: "committing"
        case .committed: "committed"
        case .aborted: "aborted"
        }
    }
    var nestedTraceText: String { qualified("ParticipantState", traceText) }
}

extension CoordinatorPhase: TraceText {
    var traceText: String {
        switch self {
        case .collectingVotes: "collectingVotes"
        case .precommitting: "precommitting"
        case .loggingCommit: "loggingCommit"
        case .committed: "committed"
        case .aborted: "aborted"
        case .lost: "lost"
        case .done: "done"
        }
    }
}

extension ShardMessage: TraceText {
    var traceText: String {
        switch self {
        case .prepare: "prepare"
        case .prepareRefused: "prepareRefused"
        case .precommit(let from): "precommit(from: \(from))"
        case .commit: "commit"
        case .abort: "abort"
        case .stateRequest(let from): "stateRequest(from: \(from))"
        case let .stateReply(from, state): "stateReply(from: \(from), state: \(state.nestedTraceText))"
        case .precommitAck(let from): "precommitAck(from: \(from))"
        }
    }
}

extension CoordinatorMessage: TraceText {
    var traceText: String {
        switch self {
        case .voteYes: "voteYes"
        case .voteNo(let reason): "voteNo(\(reason.nestedTraceText))"
        case let .localDone(committed, reason): "localDone(committed: \(committed), reason: \(optional(reason) { $0.nestedTraceText }))"
        case .precommitAck: "precommitAck"
        case .ack: "ack"
        case .hadAborted: "hadAborted"
        case .inquiry: "inquiry"
        }
    }
}

extension ParticipantMachine.Timer: TraceText {
    var traceText: String {
        switch self {
        case .decision: "decision"
        case .inquiry: "inquiry"
        case .termination: "termination"
        case .immediate: "immediate"
        }
    }
    var nestedTraceText: String { qualified("Timer", traceText) }
}

extension ParticipantMachine.Verdict: TraceText {
    var traceText: String {
        switch self {
        case .valid: "valid"
        case .refused(let reason): "refused(\(reason.nestedTraceText))"
        }
    }
}

extension ParticipantMachine.Peers: TraceText {
    var traceText: String {
        switch self {
        case .all: "all"
        case .reached: "reached"
        case .reachedUncertain: "reachedUncertain"
        case .one(let q): "one(\(q))"
        }
    }
    var nestedTraceText: String { qualified("Peers", traceText) }
}

extension ParticipantMachine.Input: TraceText {
    var traceText: String {
        switch self {
        case .prepare: "prepare"
        case .busy: "busy"
        case .locksGranted(let verdict): "locksGranted(\(verdict.nestedTraceText))"
        case .forced: "forced"
        case .precommit(let from): "precommit(from: \(optional(from) { String($0) }))"
        case .commit: "commit"
        case .abort: "abort"
        case .timer(let timer): "timer(\(timer.nestedTraceText))"
        case .lockTimeout: "lockTimeout"
        case .idleTimeout: "idleTimeout"
        case .crash: "crash"
        case .recover: "recover"
        case .stateRequest(let from): "stateRequest(from: \(from))"
        case let .stateReply(from, state): "stateReply(from: \(from), state: \(state.nestedTraceText))"
        case .precommitAck(let from): "precommitAck(from: \(from))"
        }
    }
}

extension ParticipantMachine.Effect: TraceText {
    var traceText: String {
        switch self {
        case .acquireLocks: "acquireLocks"
        case .releaseLocks: "releaseLocks"
        case .retakeLocks: "retakeLocks"
        case .force: "force"
        case .applyWrites: "applyWrites"
        case .toCoordinator(let m): "toCoordinator(\(m.nestedTraceText))"
        case let .toPeers(peers, m): "toPeers(\(peers.nestedTraceText), \(m.nestedTraceText))"
        case .arm(let timer): "arm(\(timer.nestedTraceText))"
        case .markInDoubt: "markInDoubt"
        case .final: "final"
        }
    }
}

extension CoordinatorMachine.Timer: TraceText {
    var traceText: String {
        switch self {
        case .votes: "votes"
        case .resend: "resend"
        }
    }
    var nestedTraceText: String { qualified("Timer", traceText) }
}

extension CoordinatorMachine.Input: TraceText {
    var traceText: String {
        switch self {
        case .start: "start"
        case .voteYes(let part): "voteYes(part: \(part))"
        case let .voteNo(part, reason): "voteNo(part: \(part), reason: \(reason.nestedTraceText))"
        case let .localDone(committed, reason): "localDone(committed: \(committed), reason: \(optional(reason) { $0.nestedTraceText }))"
        case .precommitAck(let part): "precommitAck(part: \(part))"
        case .logForced: "logForced"
        case .ack(let part): "ack(part: \(part))"
        case .hadAborted(let part): "hadAborted(part: \(part))"
        case .timeout: "timeout"
        case let .inquiry(part, afterRestart): "inquiry(part: \(part), afterRestart: \(afterRestart))"
        case .crash: "crash"
        case .recover: "recover"
        }
    }
}

extension CoordinatorMachine.Effect: TraceText {
    var traceText: String {
        switch self {
        case .toAll(let m): "toAll(\(m.nestedTraceText))"
        case .toUnacked(let m): "toUnacked(\(m.nestedTraceText))"
        case let .toPart(p, m): "toPart(\(p), \(m.nestedTraceText))"
        case .forceLog: "forceLog"
        case .arm(let timer): "arm(\(timer.nestedTraceText))"
        case .tellClient(let result): "tellClient(\(result.nestedTraceText))"
        case .allVotedYes: "allVotedYes"
        case .decisionDurable: "decisionDurable"
        case .decidedAbort(let reason): "decidedAbort(\(reason.nestedTraceText))"
        case .finishedLocal(let committed): "finishedLocal(committed: \(committed))"
        case .divergence(let parts): "divergence(abortedParts: \(parts))"
        case .forget: "forget"
        }
    }
}

extension AttemptResult: TraceText {
    var traceText: String {
        switch self {
        case .committed: "committed"
        case .duplicate: "duplicate"
        case .declined: "declined"
        case .aborted(let reason): "aborted(\(reason.nestedTraceText))"
        case .lost: "lost"
        case .refused(let refusal): "refused(\(refusal.nestedTraceText))"
        case .nodeFailed: "nodeFailed"
        }
    }
    var nestedTraceText: String { qualified("AttemptResult", traceText) }
}

extension Refusal: TraceText {
    var traceText: String { description }
}

extension RequestOutcome: TraceText {
    var traceText: String {
        switch self {
        case .committed: "committed"
        case .declined: "declined"
        case .aborted: "aborted"
        case .failed: "failed"
        }
    }
}

extension BalancerAlgorithm: TraceText {
    var traceText: String { description }
}

extension CommitProtocol: TraceText {
    var traceText: String { description }
}
