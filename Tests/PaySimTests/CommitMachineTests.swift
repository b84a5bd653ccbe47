import Testing
@testable import PaySim

/// The participant and coordinator state machines on their own: each input,
/// the effects it asks for, the stale inputs filtered before a transition,
/// and Skeen's termination rules.
@Suite struct ParticipantMachineTests {
    typealias M = ParticipantMachine

    /// A compact name for each effect, so a transition's effects read as a list.
    static func names(_ effects: Effects<M.Effect>) -> [String] {
        effects.map { e in
            switch e {
            case .acquireLocks: "locks"
            case .releaseLocks: "unlock"
            case .retakeLocks: "relock"
            case .force: "force"
            case .applyWrites: "apply"
            case .toCoordinator(let m): "coordinator:\(m)"
            case let .toPeers(peers, m): "peers(\(peers)):\(m)"
            case .arm(let t): "arm:\(t)"
            case .markInDoubt: "doubt"
            case .final: "final"
            }
        }
    }

    func step(_ m: inout M, _ input: M.Input) -> [String] {
        #expect(!m.isStale(input), "\(input) in \(m.state) should not be stale")
        return Self.names(m.on(input))
    }

    /// A participant driven to `prepared`.
    func prepared(index: Int = 0, of peers: Int = 2, _ p: CommitProtocol = .twoPhase) -> M {
        var m = M(index: index, peerCount: peers, commitProtocol: p)
        _ = m.on(.prepare)
        _ = m.on(.locksGranted(.valid))
        _ = m.on(.forced)
        return m
    }

    @Test func twoPhaseHappyPath() {
        var m = M(index: 0, peerCount: 2, commitProtocol: .twoPhase)
        #expect(step(&m, .prepare) == ["locks"])
        #expect(m.state == .locking)
        #expect(step(&m, .locksGranted(.valid)) == ["force"])
        #expect(m.state == .preparing)
        #expect(step(&m, .forced) == ["coordinator:voteYes", "arm:decision"])
        #expect(m.state == .prepared && m.durable == .prepared)
        #expect(step(&m, .commit) == ["force"])
        #expect(step(&m, .forced) == ["apply", "unlock", "final", "coordinator:ack"])
        #expect(m.state == .committed && m.durable == .committed)
        // A resent commit (our ack was lost) is answered again, not stale.
        #expect(step(&m, .commit) == ["coordinator:ack"])
    }

    @Test func singleShardCommitsWithoutVoting() {
        var m = M(index: 0, peerCount: 1, commitProtocol: .twoPhase)
        _ = m.on(.prepare)
        #expect(step(&m, .locksGranted(.valid)) == ["force"])
        #expect(m.state == .committing)
        let done = step(&m, .forced)
        #expect(done.first == "apply" && done.last?.hasPrefix("coordinator:localDone(committed: true") == true)
    }

    @Test func validationFailureVotesNoAndReleases() {
        var m = M(index: 1, peerCount: 3, commitProtocol: .twoPhase)
        _ = m.on(.prepare)
        #expect(step(&m, .locksGranted(.refused(.insufficientFunds))) == ["unlock", "final", "coordinator:voteNo(PaySim.AbortReason.insufficientFunds)"])
        #expect(m.state == .aborted)
    }

    @Test func busyShardRefusesWithoutLocks() {
        var m = M(index: 0, peerCount: 2, commitProtocol: .twoPhase)
        #expect(step(&m, .busy) == ["final", "coordinator:voteNo(PaySim.AbortReason.shardBusy)"])
    }

    @Test func staleInputsAreNamedNotApplied() {
        var m = prepared()
        #expect(m.isStale(.prepare), "a second prepare")
        #expect(m.isStale(.locksGranted(.valid)))
        #expect(m.isStale(.forced), "nothing is being forced")
        #expect(m.isStale(.idleTimeout))
        _ = m.on(.abort)
        #expect(m.isStale(.abort), "a duplicate abort")
        #expect(m.isStale(.timer(.decision)))
        var idle = M(index: 0, peerCount: 2, commitProtocol: .twoPhase)
        _ = idle.on(.idleTimeout)
        #expect(idle.state == .aborted)
        #expect(idle.isStale(.prepare), "a prepare after the idle timeout does nothing")
    }

    @Test func twoPhaseInDoubtAsksTheCoordinatorAgainAndAgain() {
        var m = prepared()
        #expect(step(&m, .timer(.decision)) == ["doubt", "coordinator:inquiry", "arm:inquiry"])
        #expect(m.inDoubt)
        #expect(step(&m, .timer(.inquiry)) == ["coordinator:inquiry", "arm:inquiry"], "in doubt is marked once")
    }

    @Test func crashKeepsWhatTheLogSays() {
        var voted = prepared()
        _ = voted.on(.commit)  // forcing the commit record when the crash comes
        #expect(step(&voted, .crash).isEmpty)
        #expect(voted.state == .prepared, "the commit record was not durable")
        #expect(step(&voted, .recover) == ["relock", "doubt", "arm:immediate"])
        var locking = M(index: 0, peerCount: 2, commitProtocol: .twoPhase)
        _ = locking.on(.prepare)
        #expect(step(&locking, .crash) == ["final"])
        #expect(locking.state == .aborted, "it never voted, so it aborts alone")
    }

    @Test func stateRequestMakesAnUnvotedParticipantAbortFirst() {
        var m = M(index: 1, peerCount: 2, commitProtocol: .threePhase)
        _ = m.on(.prepare)
        let out = step(&m, .stateRequest(from: 0))
        #expect(out == ["unlock", "final", "peers(one(0)):stateReply(from: 1, state: PaySim.ParticipantState.aborted)"])
    }

    // MARK: 3PC termination (Skeen)

    /// Participant `index` of `peers`, prepared, timed out and collecting states.
    func terminating(index: Int, of peers: Int) -> M {
        var m = prepared(index: index, of: peers, .threePhase)
        let out = Self.names(m.on(.timer(.decision)))
        #expect(out == ["doubt", "peers(all):stateRequest(from: \(index))", "arm:termination"])
        return m
    }

    @Test func allUncertainAborts() {
        var m = terminating(index: 0, of: 3)
        _ = m.on(.stateReply(from: 1, state: .prepared))
        let out = step(&m, .stateReply(from: 2, state: .prepared))
        #expect(out == ["peers(reached):abort", "unlock", "final"], "TR3")
        #expect(m.state == .aborted)
    }

    @Test func anyCommittedCommitsAndAnyAbortedAborts() {
        var a = terminating(index: 0, of: 3)
        _ = a.on(.stateReply(from: 1, state: .committed))
        #expect(step(&a, .stateReply(from: 2, state: .prepared)) == ["peers(reached):commit", "force"], "TR2")
        var b = terminating(index: 0, of: 3)
        _ = b.on(.stateReply(from: 1, state: .aborted))
        #expect(step(&b, .stateReply(from: 2, state: .precommitted)) == ["peers(reached):abort", "unlock", "final"], "TR1")
    }

    @Test func committableMovesUncertainPeersToPrecommittedBeforeCommitting() {
        var m = terminating(index: 0, of: 3)
        _ = m.on(.stateReply(from: 1, state: .precommitted))
        #expect(step(&m, .stateReply(from: 2, state: .prepared)) == ["peers(reachedUncertain):precommit(from: 0)", "arm:termination"], "TR4")
        #expect(m.termination == .precommittingPeers(waiting: 1 << 2))
        #expect(m.isStale(.precommitAck(from: 1)), "only the uncertain peer's ack is awaited")
        #expect(step(&m, .precommitAck(from: 2)) == ["peers(reached):commit", "force"])
        #expect(m.state == .committing)
    }

    @Test func aPeerThatDoesNotAcknowledgeThePrecommitIsPresumedFailed() {
        var m = terminating(index: 0, of: 3)
        _ = m.on(.stateReply(from: 1, state: .precommitted))
        _ = m.on(.stateReply(from: 2, state: .prepared))
        #expect(step(&m, .timer(.termination)) == ["peers(reached):commit", "force"])
    }

    @Test func theLowestReachableIndexLeadsAndOthersWait() {
        var m = terminating(index: 2, of: 3)
        _ = m.on(.stateReply(from: 0, state: .precommitted))
        #expect(step(&m, .stateReply(from: 1, state: .prepared)) == ["arm:decision"])
        #expect(m.termination == nil && m.state == .prepared)
    }

    @Test func cutOffAloneAndUncertainItAbortsWhichIsHow3PCDiverges() {
        // Its peers have pre-committed and will commit; it heard nobody.
        var m = terminating(index: 1, of: 2)
        #expect(step(&m, .timer(.termination)) == ["peers(reached):abort", "unlock", "final"])
        var precommitted = prepared(index: 1, of: 2, .threePhase)
        _ = precommitted.on(.precommit(from: nil))
        _ = precommitted.on(.forced)
        _ = precommitted.on(.timer(.decision))
        #expect(step(&precommitted, .timer(.termination)) == ["peers(reached):commit", "force"], "alone but committable: commits")
    }

    @Test func aCommitMeetingATerminationAbortIsAnsweredSoTheCoordinatorLearnsOfIt() {
        // Cut off from the coordinator, both peers were uncertain and aborted
        // (TR3) while the coordinator, missing their pre-commit acks,
        // committed. The commit that arrives after the heal is not dropped:
        // the participant's log says it aborted, and it says so.
        var m = terminating(index: 0, of: 2)
        _ = m.on(.stateReply(from: 1, state: .prepared))
        #expect(m.state == .aborted)
        #expect(step(&m, .commit) == ["coordinator:hadAborted"])
        #expect(m.state == .aborted, "it stays aborted: nothing is applied late")
        #expect(m.isStale(.abort), "an abort after an abort is a duplicate")
    }

    @Test func aPrecommitFromATerminatorIsAcknowledgedToIt() {
        var m = prepared(index: 2, of: 3, .threePhase)
        #expect(step(&m, .precommit(from: 0)) == ["force"])
        #expect(step(&m, .forced) == ["peers(one(0)):precommitAck(from: 2)", "arm:decision"])
    }
}

@Suite struct CoordinatorMachineTests {
    typealias C = CoordinatorMachine

    static func names(_ effects: Effects<C.Effect>) -> [String] {
        effects.map { e in
            switch e {
            case .toAll(let m): "all:\(m)"
            case .toUnacked(let m): "unacked:\(m)"
            case let .toPart(p, m): "part\(p):\(m)"
            case .forceLog: "force"
            case .arm(let t): "arm:\(t)"
            case .tellClient(let r): "client:\(r)"
            case .allVotedYes: "prepared"
            case .decisionDurable: "durable"
            case .decidedAbort(let r): "abort:\(r)"
            case .finishedLocal(let c): "local:\(c)"
            case .divergence(let mask): "divergence:\(mask)"
            case .forget: "forget"
            }
        }
    }

    func step(_ c: inout C, _ input: C.Input) -> [String] {
        #expect(!c.isStale(input), "\(input) in \(c.phase) should not be stale")
        return Self.names(c.on(input))
    }

    @Test func twoPhaseCommit() {
        var c = C(parts: 2, commitProtocol: .twoPhase)
        #expect(step(&c, .start) == ["all:prepare", "arm:votes"])
        #expect(step(&c, .voteYes(part: 1)).isEmpty)
        #expect(c.isStale(.voteYes(part: 1)), "a duplicate vote")
        #expect(step(&c, .voteYes(part: 0)) == ["prepared", "force"])
        #expect(step(&c, .logForced) == ["durable", "client:committed", "unacked:commit", "arm:resend"])
        #expect(step(&c, .ack(part: 0)).isEmpty)
        #expect(step(&c, .timeout) == ["unacked:commit", "arm:resend"], "the decision goes again to whoever has not acknowledged")
        #expect(c.hasAcked(0) && !c.hasAcked(1))
        #expect(step(&c, .ack(part: 1)) == ["forget"])
        #expect(c.phase == .done)
        #expect(c.isStale(.ack(part: 1)))
        #expect(step(&c, .inquiry(part: 1, afterRestart: false)) == ["part1:commit"])
    }

    @Test func threePhaseCommitsAfterPrecommitAcksOrTheirTimeout() {
        var c = C(parts: 2, commitProtocol: .threePhase)
        _ = c.on(.start)
        _ = c.on(.voteYes(part: 0))
        #expect(step(&c, .voteYes(part: 1)) == ["prepared", "all:precommit(from: -1)", "arm:votes"])
        #expect(step(&c, .precommitAck(part: 0)).isEmpty)
        // Part 1 never acknowledges: presumed failed, commit goes ahead.
        #expect(step(&c, .timeout) == ["force"])
        #expect(c.phase == .loggingCommit)
    }

    @Test func aThreePhaseCommitAnsweredByAbortsIsReportedAndForgotten() {
        var c = C(parts: 3, commitProtocol: .threePhase)
        for input: C.Input in [.start, .voteYes(part: 0), .voteYes(part: 1), .voteYes(part: 2), .timeout, .logForced] { _ = c.on(input) }
        #expect(c.phase == .committed)
        #expect(step(&c, .ack(part: 1)).isEmpty)
        #expect(step(&c, .hadAborted(part: 0)).isEmpty)
        #expect(c.isStale(.hadAborted(part: 0)) && c.isStale(.ack(part: 0)), "part 0 has answered")
        #expect(step(&c, .timeout) == ["unacked:commit", "arm:resend"], "only part 2 is asked again")
        #expect(step(&c, .hadAborted(part: 2)) == ["divergence:5", "forget"], "parts 0 and 2 had aborted")
        #expect(c.phase == .done)
        #expect(c.isStale(.timeout), "nothing is resent once every part answered")
        // When every part acknowledges, there is nothing to report.
        var clean = C(parts: 2, commitProtocol: .threePhase)
        for input: C.Input in [.start, .voteYes(part: 0), .voteYes(part: 1), .precommitAck(part: 0), .precommitAck(part: 1), .logForced, .ack(part: 0)] { _ = clean.on(input) }
        #expect(step(&clean, .ack(part: 1)) == ["forget"])
    }

    @Test func aNoVoteAbortsWithoutLogging() {
        var c = C(parts: 3, commitProtocol: .twoPhase)
        _ = c.on(.start)
        _ = c.on(.voteYes(part: 0))
        #expect(step(&c, .voteNo(part: 2, reason: .lockTimeout)) == ["abort:lockTimeout", "all:abort", "forget", "client:aborted(PaySim.AbortReason.lockTimeout)"])
        #expect(c.isStale(.voteYes(part: 1)), "late votes after the decision")
        #expect(step(&c, .inquiry(part: 1, afterRestart: false)) == ["part1:abort"])
    }

    @Test func timeoutsAbortDistributedAndLoseSingleShard() {
        var d = C(parts: 2, commitProtocol: .twoPhase)
        _ = d.on(.start)
        #expect(step(&d, .timeout).first == "abort:voteTimeout")
        var s = C(parts: 1, commitProtocol: .twoPhase)
        _ = s.on(.start)
        #expect(step(&s, .timeout) == ["forget", "client:lost"])
    }

    @Test func crashLosesWhatIsUndecidedAndKeepsWhatIsDurable() {
        var undecided = C(parts: 2, commitProtocol: .twoPhase)
        _ = undecided.on(.start)
        _ = undecided.on(.crash)
        #expect(undecided.phase == .lost)
        // A restarted coordinator asked about it answers abort: presumed abort.
        var fresh = C(parts: 2, commitProtocol: .twoPhase)
        _ = fresh.on(.start)
        #expect(fresh.isStale(.inquiry(part: 0, afterRestart: false)), "still deciding: ask again later")
        #expect(step(&fresh, .inquiry(part: 0, afterRestart: true)) == ["part0:abort"])
        var decided = C(parts: 2, commitProtocol: .twoPhase)
        for input: C.Input in [.start, .voteYes(part: 0), .voteYes(part: 1), .logForced] { _ = decided.on(input) }
        _ = decided.on(.crash)
        #expect(decided.phase == .committed)
        #expect(step(&decided, .recover) == ["unacked:commit", "arm:resend"])
    }
}

/// What a 3PC terminator heard from its peers, four bits a peer, inline.
@Suite struct PeerStatesTests {
    @Test func everyStateOfEveryPeerIsKept() {
        let states: [ParticipantState?] = [nil, .idle, .locking, .preparing, .prepared, .precommitting, .precommitted, .committing, .committed, .aborted]
        var p = PeerStates(unheard: PeerStates.capacity)
        #expect(p.count == 64 && p.allSatisfy { $0 == nil })
        var expected = [ParticipantState?](repeating: nil, count: 64)
        var rng = SeededRandom(seed: 3)
        for _ in 0..<2_000 {
            let i = rng.nextInt(below: 64), s = states[rng.nextInt(below: states.count)]
            p[i] = s
            expected[i] = s
            #expect(Array(p) == expected)
        }
        #expect(PeerStates(unheard: 3).count == 3)
        #expect(_isPOD(Participant.self), "a participant is plain data")
    }
}
