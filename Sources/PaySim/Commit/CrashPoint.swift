/// A point in the commit protocol where a crash can be injected, so each
/// failure case can be driven on purpose rather than waited for.
public enum CrashPoint: String, CaseIterable, Sendable {
    /// The coordinator has all yes votes but has not logged its decision.
    case coordinatorBeforeDecision = "coordinator-before-decision"
    /// The coordinator's commit record is durable; no decision has been sent.
    case coordinatorAfterDecision = "coordinator-after-decision"
    /// A participant holds its locks and validated, but has not voted.
    case participantBeforeVote = "participant-before-vote"
    /// A participant has logged and sent its yes vote.
    case participantAfterVote = "participant-after-vote"
}

extension Simulation {
    /// Arms a crash point: the next distributed transaction to reach it
    /// crashes the coordinator or the participant's shard there.
    public func arm(_ point: CrashPoint) { armedCrashPoints.append(point) }

    /// True (and disarmed, with `t` recorded as its victim) if `point` is armed.
    func trigger(_ point: CrashPoint, on t: Txn) -> Bool {
        guard let i = armedCrashPoints.firstIndex(of: point) else { return false }
        armedCrashPoints.remove(at: i)
        firedCrashPoints.append((point, t))
        return true
    }

    /// The transaction each fired crash point hit, in firing order.
    var crashPointVictims: [(point: CrashPoint, txn: Txn)] { firedCrashPoints }
}
