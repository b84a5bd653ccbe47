import Testing
@testable import PaySim

@Suite struct LedgerTests {
    func makeLedger() -> Ledger {
        var r = SeededRandom(seed: 1)
        return Ledger(customers: 1_000, merchants: 50, symbols: 4, shards: 4, rng: &r)
    }

    @Test func rowsHaveKindsShardsAndLimits() {
        let l = makeLedger()
        #expect(l.kind(of: l.wallet(customer: 3)) == .wallet)
        #expect(l.kind(of: l.broker(customer: 3)) == .broker)
        #expect(l.kind(of: l.merchant(7)) == .merchant)
        #expect(l.kind(of: l.feeIncome(shard: 2)) == .feeIncome)
        #expect(l.kind(of: l.cardNetwork(shard: 0)) == .cardNetwork)
        #expect(l.kind(of: l.clearingCash(shard: 1)) == .clearingCash)
        #expect(l.kind(of: l.holding(customer: 9, symbol: 2)) == .holding(symbol: 2))
        #expect(l.kind(of: l.clearingInventory(symbol: 3, shard: 1)) == .clearingInventory(symbol: 3))
        #expect(l.shard(of: l.feeIncome(shard: 2)) == 2)
        #expect(l.shard(of: l.clearingInventory(symbol: 3, shard: 1)) == 1)
        #expect(l.limit(of: l.wallet(customer: 1)) == 0)
        #expect(l.limit(of: l.cardNetwork(shard: 1)) < -1_000_000_000_000)
        var perShard = [Int](repeating: 0, count: 4)
        for c in 0..<1_000 { perShard[l.shard(of: l.wallet(customer: c))] += 1 }
        for n in perShard { #expect(n > 180 && n < 320) }
    }

    @Test func fullAuditFindsATamperedBalanceAndALimitBreach() {
        var l = makeLedger()
        var a = Auditor()
        a.fullAudit(ledger: l, inFlightMoney: 0, inFlightShares: [0, 0, 0, 0])
        #expect(a.violationCount == 0)
        l.balances[Int(l.wallet(customer: 5))] += 1
        a.fullAudit(ledger: l, inFlightMoney: 0, inFlightShares: [0, 0, 0, 0])
        #expect(a.violationCount == 1)
        #expect(a.violations[0].message.contains("money total"))
        l.balances[Int(l.wallet(customer: 5))] = -10
        l.balances[Int(l.merchant(0))] += 11
        var b = Auditor()
        b.fullAudit(ledger: l, inFlightMoney: 0, inFlightShares: [0, 0, 0, 0])
        #expect(b.violations.contains { $0.message.contains("below its limit") })
    }

    @Test func settledCheckReportsPartialCommitWithTheTransactionId() {
        let machine = { (i: Int) in ParticipantMachine(index: i, peerCount: 2, commitProtocol: .threePhase) }
        let t = Txn(id: 77, workload: .payment, idempotencyKey: 1, writes: [RowWrite(row: 0, delta: -5), RowWrite(row: 1, delta: 5)],
                    parts: [Participant(shard: 0, writes: 0..<1, machine: machine(0)), Participant(shard: 1, writes: 1..<2, machine: machine(1))],
                    coordinator: 0, coordinatorEpoch: 0, commitProtocol: .threePhase, startedAt: 0)
        // Participant 0 prepares and commits; participant 1 is aborted.
        for input: ParticipantMachine.Input in [.prepare, .locksGranted(.valid), .forced, .commit, .forced] { _ = t.parts[0].machine.on(input) }
        _ = t.parts[1].machine.on(.abort)
        #expect(t.parts[0].state == .committed && t.parts[1].state == .aborted)
        t.committedParts = 1
        t.appliedMoney = -5
        var a = Auditor()
        a.checkSettled(t) { "shard-\($0 + 1)" }
        #expect(a.violationCount == 2)
        #expect(a.violations.allSatisfy { $0.txn == 77 })
        #expect(a.violations[0].message == "txn 77 committed on shard-1 but aborted on shard-2")
    }

    @Test func moneyFormatsMinorUnits() {
        #expect(Money(minorUnits: 123_456_78).description == "123,456.78")
        #expect(Money(minorUnits: -5).description == "-0.05")
    }
}

@Suite struct IdempotencyTests {
    @Test func storeRemembersForItsRetentionThenForgets() {
        var s = IdempotencyStore(retention: .seconds(10), capacity: 3)
        s.recordCommitted(1, now: 0)
        #expect(s.contains(1))
        s.recordCommitted(2, now: 11_000_000)
        #expect(!s.contains(1))
        for k in 3...6 { s.recordCommitted(Int64(k), now: 11_000_000) }
        #expect(s.count == 3)
        #expect(!s.contains(2) && s.contains(6))
    }

    @Test func aRetryOfACommittedRequestIsCaughtAndMovesNoMoney() throws {
        var c = SimulationConfig()
        c.customers = 500
        c.baseRateTPS = 0
        let sim = Simulation(config: c)
        let r = sim.makeRequest(.payment)
        sim.stats[0].submitted += 1
        sim.inFlightRequests += 1
        let before = sim.ledger.balances
        sim.attempt(r)
        sim.advance(to: SimTime(microseconds: 1_000_000))
        #expect(r.finished)
        let after = sim.ledger.balances
        #expect(after != before)
        // The client never heard back and retries under the same key.
        r.finished = false
        sim.inFlightRequests += 1
        sim.attempt(r)
        sim.advance(to: SimTime(microseconds: 2_000_000))
        #expect(r.finished)
        #expect(sim.ledger.balances == after)
        #expect(sim.stats[0].duplicates == 1)
        #expect(sim.idempotency.duplicatesCaught == 1)
    }
}
