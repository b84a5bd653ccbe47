import Testing
@testable import PaySim

/// A trace step's words are written out case by case (`TraceText`); every
/// case must read exactly as `TransactionTrace.readable` makes Swift's own
/// description of it read, alone and as another case's payload.
@Suite struct TraceTextTests {
    static let reasons: [AbortReason] = [.insufficientFunds, .duplicate, .lockTimeout, .voteTimeout, .participantCrashed,
                                         .presumedAbort, .terminated, .nodeFailed, .shardBusy, .shardUnavailable]
    static let states: [ParticipantState] = [.idle, .locking, .preparing, .prepared, .precommitting, .precommitted,
                                             .committing, .committed, .aborted]
    static let phases: [CoordinatorPhase] = [.collectingVotes, .precommitting, .loggingCommit, .committed, .aborted, .lost, .done]
    static let shardMessages: [ShardMessage] = [.prepare, .prepareRefused, .precommit(from: -1), .precommit(from: 2), .commit, .abort,
                                                .stateRequest(from: 1)]
        + states.map { .stateReply(from: 3, state: $0) } + [.precommitAck(from: 0)]
    static let coordinatorMessages: [CoordinatorMessage] = [.voteYes, .localDone(committed: true, reason: nil), .precommitAck, .ack,
                                                            .hadAborted, .inquiry]
        + reasons.map { .voteNo($0) } + reasons.map { .localDone(committed: false, reason: $0) }
    static let results: [AttemptResult] = [.committed, .duplicate, .declined, .lost, .nodeFailed]
        + reasons.map { .aborted($0) } + Refusal.allCases.map { .refused($0) }
    static let participantTimers: [ParticipantMachine.Timer] = [.decision, .inquiry, .termination, .immediate]
    static let verdicts: [ParticipantMachine.Verdict] = [.valid] + reasons.map { .refused($0) }
    static let peers: [ParticipantMachine.Peers] = [.all, .reached, .reachedUncertain, .one(2)]

    static let participantInputs: [ParticipantMachine.Input] =
        [.prepare, .busy, .forced, .precommit(from: nil), .precommit(from: 1), .commit, .abort, .lockTimeout, .idleTimeout,
         .crash, .recover, .stateRequest(from: 2), .precommitAck(from: 0)]
        + verdicts.map { .locksGranted($0) } + participantTimers.map { .timer($0) } + states.map { .stateReply(from: 1, state: $0) }
    static let participantEffects: [ParticipantMachine.Effect] =
        [.acquireLocks, .releaseLocks, .retakeLocks, .force, .applyWrites, .markInDoubt, .final]
        + coordinatorMessages.map { .toCoordinator($0) } + participantTimers.map { .arm($0) }
        + peers.flatMap { p in shardMessages.map { .toPeers(p, $0) } }
    static let coordinatorInputs: [CoordinatorMachine.Input] =
        [.start, .voteYes(part: 1), .localDone(committed: true, reason: nil), .precommitAck(part: 2), .logForced, .ack(part: 0),
         .hadAborted(part: 3), .timeout, .inquiry(part: 1, afterRestart: true), .inquiry(part: 0, afterRestart: false), .crash, .recover]
        + reasons.map { .voteNo(part: 0, reason: $0) } + reasons.map { .localDone(committed: false, reason: $0) }
    static let coordinatorEffects: [CoordinatorMachine.Effect] =
        [.forceLog, .arm(.votes), .arm(.resend), .allVotedYes, .decisionDurable, .finishedLocal(committed: true),
         .finishedLocal(committed: false), .divergence(abortedParts: 5), .forget]
        + shardMessages.flatMap { [.toAll($0), .toUnacked($0), .toPart(2, $0)] } + results.map { .tellClient($0) }
        + reasons.map { .decidedAbort($0) }

    /// What `readable` makes of Swift's description inside a step label
    /// that names a type somewhere (so its substitutions apply).
    static func readable(_ described: String) -> String { String(TransactionTrace.readable("." + described).dropFirst()) }

    /// `payload`: the type is also some case's payload, and must read so there too.
    func expectReadsAsSwiftPrintsIt<T: TraceText>(_ values: [T], payload: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!values.isEmpty, sourceLocation: sourceLocation)
        for v in values {
            #expect(v.traceText == TraceTextTests.readable(String(describing: v)), sourceLocation: sourceLocation)
            if payload {
                // Swift qualifies a payload's type; `readable` keeps what a reader needs of it.
                #expect("(" + v.nestedTraceText + ")" == TraceTextTests.readable(String(describing: Optional(v))), sourceLocation: sourceLocation)
            }
        }
    }

    @Test func everyProtocolValueReadsAsSwiftPrintsIt() {
        expectReadsAsSwiftPrintsIt(TraceTextTests.reasons, payload: true)
        expectReadsAsSwiftPrintsIt(TraceTextTests.states, payload: true)
        expectReadsAsSwiftPrintsIt(TraceTextTests.phases)
        expectReadsAsSwiftPrintsIt(TraceTextTests.shardMessages, payload: true)
        expectReadsAsSwiftPrintsIt(TraceTextTests.coordinatorMessages, payload: true)
        expectReadsAsSwiftPrintsIt(TraceTextTests.results, payload: true)
        expectReadsAsSwiftPrintsIt(TraceTextTests.participantTimers, payload: true)
        expectReadsAsSwiftPrintsIt(TraceTextTests.verdicts, payload: true)
        expectReadsAsSwiftPrintsIt(TraceTextTests.peers, payload: true)
        expectReadsAsSwiftPrintsIt(TraceTextTests.participantInputs)
        expectReadsAsSwiftPrintsIt(TraceTextTests.participantEffects)
        expectReadsAsSwiftPrintsIt(TraceTextTests.coordinatorInputs)
        expectReadsAsSwiftPrintsIt(TraceTextTests.coordinatorEffects)
        expectReadsAsSwiftPrintsIt([CoordinatorMachine.Timer.votes, .resend], payload: true)
        expectReadsAsSwiftPrintsIt(RequestOutcome.allCases)
        expectReadsAsSwiftPrintsIt(Refusal.allCases, payload: true)
        expectReadsAsSwiftPrintsIt(BalancerAlgorithm.allCases)
        expectReadsAsSwiftPrintsIt(CommitProtocol.allCases)
    }

    @Test func aStepReadsInputStateAndEffects() {
        let sim = Simulation(config: SimulationConfig())
        var effects = Effects<ParticipantMachine.Effect>(.toCoordinator(.voteYes))
        effects.append(.arm(.decision))
        #expect(sim.stepText(ParticipantMachine.Input.forced, ParticipantState.prepared, effects)
            == "forced → prepared; toCoordinator(voteYes), arm(Timer.decision)")
        #expect(sim.stepText(CoordinatorMachine.Input.voteYes(part: 1), CoordinatorPhase.collectingVotes, Effects<CoordinatorMachine.Effect>())
            == "voteYes(part: 1) → collectingVotes")
    }

    /// `payops fuzz --trace ID` writes each commit-protocol step of one
    /// request in the same words as a sampled trace's waterfall.
    @Test func theFuzzTraceReadsAsTheWaterfall() {
        var lines: [String] = []
        _ = FuzzCase(seed: 1, duration: .seconds(5), protocols: .twoPhase).simulate(traceKey: 500, trace: { lines.append($0) })
        let steps = lines.filter { $0.contains(" txn ") && $0.contains(" → ") }
        #expect(steps.contains { $0.contains(": prepare → locking; acquireLocks") })
        #expect(steps.contains { $0.contains("start → collectingVotes; toAll(prepare), arm(Timer.votes)") })
        #expect(!steps.isEmpty && steps.allSatisfy { !$0.contains("PaySim.") && !$0.contains("Machine.") && !$0.contains("ShardMessage.") })
    }
}
