import Testing
@testable import PaySim

/// Drives each crash point of each protocol and checks the documented outcome.
@Suite struct CommitProtocolTests {
    func makeSim(_ p: CommitProtocol) -> Simulation {
        var c = SimulationConfig()
        c.seed = 7
        c.customers = 2_000
        c.merchants = 200
        c.baseRateTPS = 100
        c.commitProtocol = p
        c.nodes = 3
        return Simulation(config: c)
    }

    /// Arms `point`, runs until it fires, and returns the victim transaction.
    func fire(_ sim: Simulation, _ point: CrashPoint) throws -> Txn {
        sim.advance(to: SimTime(microseconds: 2_000_000))
        sim.arm(point)
        var t = SimTime(microseconds: 2_000_000)
        while sim.crashPointVictims.isEmpty && t.microseconds < 10_000_000 {
            t += .milliseconds(10)
            sim.advance(to: t)
        }
        return try #require(sim.crashPointVictims.first?.txn)
    }

    func states(_ t: Txn) -> Set<ParticipantState> { Set(t.parts.map(\.state)) }

    func expectBalancedAndResolved(_ sim: Simulation) {
        sim.closeArrivals()
        sim.advance(to: sim.now + .seconds(40))
        sim.auditNow()
        let s = sim.snapshot()
        #expect(s.commit.inDoubt == 0)
        #expect(s.ledger.balanced, "\(s.ledger.violations)")
    }

    // MARK: 2PC

    @Test func twoPhaseCoordinatorCrashBeforeDecisionBlocksThenPresumesAbort() throws {
        let sim = makeSim(.twoPhase)
        let t = try fire(sim, .coordinatorBeforeDecision)
        #expect(!sim.coordinators[t.coordinator].up)
        // Prepared participants cannot decide alone: they stay in doubt.
        sim.advance(to: sim.now + .seconds(5))
        #expect(t.everInDoubt)
        #expect(states(t) == [.prepared])
        #expect(sim.snapshot().commit.inDoubt >= 1)
        // The coordinator restarts, finds no commit record and answers abort.
        sim.advance(to: sim.now + .seconds(12))
        #expect(t.settled)
        #expect(states(t) == [.aborted])
        #expect(sim.snapshot().events.contains { $0.message == "txn \(t.id) resolved after being in doubt: aborted" })
        expectBalancedAndResolved(sim)
    }

    @Test func twoPhaseCoordinatorCrashAfterDecisionCommitsOnRecovery() throws {
        let sim = makeSim(.twoPhase)
        let t = try fire(sim, .coordinatorAfterDecision)
        sim.advance(to: sim.now + .seconds(5))
        #expect(states(t) == [.prepared])
        #expect(t.everInDoubt)
        sim.advance(to: sim.now + .seconds(12))
        #expect(t.settled)
        #expect(states(t) == [.committed])
        #expect(t.appliedMoney == 0)
        expectBalancedAndResolved(sim)
    }

    @Test func twoPhaseParticipantCrashBeforeVoteAborts() throws {
        let sim = makeSim(.twoPhase)
        let t = try fire(sim, .participantBeforeVote)
        sim.advance(to: sim.now + .seconds(3))
        #expect(t.settled)
        #expect(states(t) == [.aborted])
        expectBalancedAndResolved(sim)
    }

    @Test func twoPhaseParticipantCrashAfterVoteCommitsAfterItsRecovery() throws {
        let sim = makeSim(.twoPhase)
        let t = try fire(sim, .participantAfterVote)
        let crashed = try #require(sim.shards.first { !$0.up })
        sim.advance(to: sim.now + .seconds(5))
        // Decided commit, but the crashed shard has not applied it yet.
        #expect(t.phase == .committed)
        #expect(!t.settled)
        sim.advance(to: sim.now + .seconds(13))
        #expect(crashed.up)
        #expect(t.settled)
        #expect(states(t) == [.committed])
        expectBalancedAndResolved(sim)
    }

    // MARK: 3PC

    @Test func threePhaseCoordinatorCrashBeforeDecisionAbortsByTimeoutWithoutWaiting() throws {
        let sim = makeSim(.threePhase)
        let t = try fire(sim, .coordinatorBeforeDecision)
        sim.advance(to: sim.now + .seconds(3))
        #expect(!sim.coordinators[t.coordinator].up, "resolved while the coordinator is still down")
        #expect(t.settled)
        #expect(states(t) == [.aborted])
        #expect(t.everInDoubt)
        expectBalancedAndResolved(sim)
    }

    @Test func threePhaseCoordinatorCrashAfterDecisionCommitsByTermination() throws {
        let sim = makeSim(.threePhase)
        let t = try fire(sim, .coordinatorAfterDecision)
        sim.advance(to: sim.now + .seconds(3))
        #expect(!sim.coordinators[t.coordinator].up)
        #expect(t.settled)
        #expect(states(t) == [.committed])
        expectBalancedAndResolved(sim)
    }

    @Test func threePhaseParticipantCrashBeforeVoteAborts() throws {
        let sim = makeSim(.threePhase)
        let t = try fire(sim, .participantBeforeVote)
        sim.advance(to: sim.now + .seconds(3))
        #expect(t.settled)
        #expect(states(t) == [.aborted])
        expectBalancedAndResolved(sim)
    }

    @Test func threePhaseParticipantCrashAfterVoteCommitsAfterItsRecovery() throws {
        let sim = makeSim(.threePhase)
        let t = try fire(sim, .participantAfterVote)
        sim.advance(to: sim.now + .seconds(20))
        #expect(t.settled)
        #expect(states(t) == [.committed])
        expectBalancedAndResolved(sim)
    }

    // MARK: Partitions

    @Test func threePhaseCanDivergeUnderAPartitionAndTheAuditorSaysSo() throws {
        // Repeated partitions of one shard under 3PC: sooner or later the
        // coordinator commits while the cut-off participant aborts by timeout.
        let sim = makeSim(.threePhase)
        var diverged = false
        for round in 0..<60 where !diverged {
            sim.advance(to: SimTime(microseconds: Int64(round) * 4_000_000 + 1_000_000))
            try sim.apply(.partitionShard(round % 4, duration: .milliseconds(1_500)))
            sim.advance(to: sim.now + .seconds(3))
            diverged = sim.snapshot().ledger.violationCount > 0
        }
        let s = sim.snapshot()
        #expect(diverged)
        #expect(s.ledger.violations.contains { $0.message.contains("committed on") && $0.message.contains("but aborted on") })
        #expect(s.ledger.violations.allSatisfy { $0.txn != nil })
        #expect(s.events.contains { $0.severity == .crit && $0.message.hasPrefix("auditor: txn ") })
    }

    @Test func twoPhaseStaysAtomicUnderTheSamePartitions() throws {
        let sim = makeSim(.twoPhase)
        for round in 0..<60 {
            sim.advance(to: SimTime(microseconds: Int64(round) * 4_000_000 + 1_000_000))
            try sim.apply(.partitionShard(round % 4, duration: .milliseconds(1_500)))
            sim.advance(to: sim.now + .seconds(3))
        }
        expectBalancedAndResolved(sim)
        #expect(sim.snapshot().commit.inDoubtTotal > 0)
    }
}
