import Testing
@testable import PaySim

extension Tag {
    /// Suites that run whole simulated minutes: the CI sample of a longer sweep.
    @Tag static var slow: Self
}

/// The fuzzer: its cases are reproducible, its oracle catches what it
/// claims to, a small sample of seeds passes, and the seeds that once found
/// bugs keep passing. The long sweep runs outside CI:
/// `payops fuzz --seeds 200 --duration 2m`.
@Suite(.tags(.slow)) struct FuzzTests {
    @Test func aSeedGivesTheSameCaseAndTheSameResult() {
        let a = FuzzCase(seed: 3, duration: .seconds(30), protocols: .mixed)
        let b = FuzzCase(seed: 3, duration: .seconds(30), protocols: .mixed)
        #expect(a.scenarioText == b.scenarioText)
        #expect(a.runFlags == b.runFlags)
        let ra = a.run(), rb = b.run()
        #expect(ra.failures == rb.failures)
        #expect(ra.requests == rb.requests && ra.committed == rb.committed && ra.events == rb.events)
        #expect(ra.divergences == rb.divergences && ra.failedButApplied == rb.failedButApplied)
        #expect(ra.requests > 0)
        let other = FuzzCase(seed: 4, duration: .seconds(30), protocols: .mixed)
        #expect(other.scenarioText != a.scenarioText, "different seeds draw different cases")
    }

    @Test func theScheduleIsAScenarioTheParserReadsBack() throws {
        let c = FuzzCase(seed: 17, duration: .minutes(2), protocols: .mixed)
        let scenario = try Scenario.parse(c.scenarioText, file: "fuzz-17.scenario")
        #expect(scenario.steps.count == c.steps.count)
        for (step, original) in zip(scenario.steps, c.steps) {
            #expect(step.at == original.at)
            #expect("\(step.command)" == "\(original.command)")
        }
        // Every fault is healed before arrivals stop.
        #expect(c.steps.allSatisfy { $0.at.microseconds <= c.duration.microseconds * 9 / 10 })
    }

    @Test func protocolsAreHonoured() {
        for seed: UInt64 in 1...10 {
            #expect(FuzzCase(seed: seed, duration: .minutes(1), protocols: .twoPhase).threePhase == false)
            #expect(FuzzCase(seed: seed, duration: .minutes(1), protocols: .threePhase).config.commitProtocol == .threePhase)
        }
    }

    /// The oracle is not vacuous: a run that passed fails once the evidence
    /// behind each property is taken away.
    @Test func theOracleCatchesWhatItClaimsTo() throws {
        let c = FuzzCase(seed: 2, duration: .seconds(30), protocols: .twoPhase)
        let (sim, drained) = c.simulate()
        #expect(c.check(sim, drained: drained, stalled: nil).passed)

        // A client told committed whose transaction is not in the ledger.
        let told = try #require(sim.outcomes?.told.first { $0.value == .committed }?.key)
        sim.outcomes?.applied.remove(told)
        let missing = c.check(sim, drained: drained, stalled: nil)
        #expect(missing.failures.contains { $0.contains("told committed are not in the ledger (first: \(told))") })
        #expect(missing.suspect == told)
        sim.outcomes?.applied.insert(told)

        // A captured payment without its settlement message.
        sim.paymentStats.captured += 1
        #expect(c.check(sim, drained: drained, stalled: nil).failures.contains { $0.contains("payments.settled messages for \(sim.paymentStats.captured) captured payments") })
        sim.paymentStats.captured -= 1

        // Two records of the same money that disagree.
        sim.reportBreak(.journal, id: 1, "payment 1: made up for the test")
        #expect(c.check(sim, drained: drained, stalled: nil).failures.contains("reconciliation: payment 1: made up for the test"))

        // Money appearing from nowhere.
        let row = try #require((0..<Int32(sim.ledger.rowCount)).first { sim.ledger.symbol(of: $0) == nil })
        sim.ledger.balances[Int(row)] += 1
        sim.auditNow()
        #expect(c.check(sim, drained: drained, stalled: nil).failures.contains { $0.hasPrefix("ledger: money total") })
    }

    @Test func aStuckRequestIsReportedWithWhereItStands() {
        let c = FuzzCase(seed: 5, duration: .seconds(20), protocols: .twoPhase)
        let (sim, drained) = c.simulate()
        let r = Request(id: 999_999_999, workload: .trade, arrivedAt: 0, writes: [])
        sim.inFlightRequests += 1
        sim.outcomes?.open[r.id] = r
        let result = c.check(sim, drained: drained, stalled: .seconds(60))
        #expect(result.failures.contains { $0.hasPrefix("not quiescent") && $0.contains("no progress in the last \(SimDuration.seconds(60))") })
        #expect(result.failures.contains("first request without an answer: request 999999999 (trade, 0 attempts)"))
        #expect(result.suspect == 999_999_999)
    }

    @Test(arguments: 1...6 as ClosedRange<UInt64>)
    func aSampleOfSeedsPasses(seed: UInt64) {
        let r = FuzzCase(seed: seed, duration: .minutes(1), protocols: .mixed).run()
        #expect(r.passed, "seed \(seed): \(r.failures.joined(separator: "; "))")
    }

    /// Seeds that found bugs, with what each found.
    @Test(arguments: [
        // 3PC: the coordinator committed after the pre-commit acks timed out
        // while every participant, cut off, had aborted; the client was told
        // committed and nothing moved, unreported.
        (71 as UInt64, "3pc decision against aborted participants"),
        (109, "3pc decision against aborted participants"),
        // A coordinator crash between a single-shard commit and its answer
        // left the client waiting forever.
        (91, "client never answered after a coordinator crash"),
        // A wallet-credit backlog the platform works off slowly is not a hang.
        (110, "slow backlog mistaken for a hang"),
        // Thousands of capture jobs a fault held up retried in step, without
        // jitter, and kept the shards too busy for any of them to commit.
        (154, "background jobs retrying in step"),
    ])
    func seedsThatFoundBugsPass(seed: UInt64, found: String) {
        let r = FuzzCase(seed: seed, duration: .minutes(2), protocols: .mixed).run()
        #expect(r.passed, "seed \(seed) (\(found)): \(r.failures.joined(separator: "; "))")
    }

    /// The decision divergence is counted and reported, not hidden: as a
    /// ledger violation, and as reconciliation breaks of the records it hit
    /// (the platform believes a step happened that the ledger never applied).
    @Test func aThreePhaseDecisionAgainstAbortedParticipantsIsAViolationAndABreak() {
        let c = FuzzCase(seed: 128, duration: .minutes(2), protocols: .threePhase)
        let (sim, _) = c.simulate()
        let decisions = sim.snapshot().ledger.violations.filter { $0.kind == .decision }
        #expect(!decisions.isEmpty)
        for v in decisions {
            #expect(v.message.contains("was committed by its coordinator, and its client told so, but every participant aborted"))
        }
        #expect(sim.coordinators.allSatisfy { $0.active.isEmpty }, "every coordinator forgot its transactions once each participant answered")
        sim.reconcileNow()
        let breaks = sim.reconciliation.breaks
        #expect(!breaks.isEmpty)
        let split = Set((sim.outcomes?.split ?? []).map { $0 & (1 << 56 - 1) })
        #expect(breaks.allSatisfy { $0.id.map(split.contains) ?? true }, "every break is a record a divergence hit: \(breaks.map(\.message))")
        #expect(breaks.contains { $0.message.contains("the platform recorded") }, "\(breaks.map(\.message))")
    }
}
