import Testing
@testable import PaySim

/// Whole-platform behaviour under overload and faults: that the figures mean
/// what their labels say, that the protections protect, that nothing is left
/// stuck or lost, and that 3PC's flaw shows on demand while 2PC stays atomic.
@Suite struct TruthUnderStressTests {
    static func config(_ configure: (inout SimulationConfig) -> Void = { _ in }) -> SimulationConfig {
        var c = SimulationConfig()
        configure(&c)
        return c
    }

    /// Runs arrivals for `seconds` with `commands`, drains, audits.
    static func run(_ c: SimulationConfig, seconds: Int64, _ commands: [(Int64, OperatorCommand)] = []) -> Simulation {
        let sim = Simulation(config: c)
        let refused = sim.runHeadless(duration: .seconds(seconds), commands: commands.map { (.seconds($0.0), $0.1) })
        #expect(refused.isEmpty, "\(refused)")
        return sim
    }

    /// Stops arrivals and advances until nothing is left in flight; true if
    /// that took at most `seconds` of simulated time.
    static func drains(_ sim: Simulation, within seconds: Int64) -> Bool {
        sim.closeArrivals()
        let deadline = sim.nowMicros + seconds * 1_000_000
        while !sim.isQuiescent && sim.nowMicros < deadline {
            sim.advance(to: SimTime(microseconds: sim.nowMicros + 100_000))
        }
        return sim.isQuiescent
    }

    static func report(_ sim: Simulation, seconds: Int64) -> RunReport {
        RunReport(snapshot: sim.snapshot(), config: sim.config, duration: .seconds(seconds))
    }

    // MARK: Metrics an operator can trust

    @Test func successLatencyExcludesFailuresAndLoadFiguresAddUp() {
        // Far past the knee: most attempts are refused within a round trip.
        let sim = Self.run(Self.config { $0.baseRateTPS = 20_000 }, seconds: 15)
        let r = Self.report(sim, seconds: 15)
        for (name, w) in r.workloads {
            #expect(w.failed + w.aborted > 0, "\(name) has failures to exclude")
            // A committed request cannot be faster than its node's work plus a commit.
            #expect(w.latency_ms.p50 > 2, "\(name) committed p50 \(w.latency_ms.p50) ms")
            #expect(w.failure_latency_ms.p50 < w.latency_ms.p50, "\(name): fast refusals are kept apart")
        }
        let st = sim.stats[Workload.payment.rawValue]
        #expect(st.latency.totalCount == UInt64(st.committed))
        #expect(st.failureLatency.totalCount == UInt64(st.failed + st.aborted))
        #expect(st.declineLatency.totalCount == UInt64(st.declined))

        let l = r.load
        #expect(l.offered == r.workloads.values.reduce(0) { $0 + $1.submitted })
        #expect(l.offered >= l.attempts - l.retries, "every request makes its first attempt at most once")
        #expect(l.attempts - l.retries == l.offered)
        #expect(l.goodput == r.workloads.values.reduce(0) { $0 + $1.committed })
        #expect(l.shed > 0 && l.shed <= l.attempts)
        #expect(l.shed == l.shed_by_reason.values.reduce(0, +), "every shed attempt has its reason")
        #expect(l.limited == (l.shed_by_reason["rate limited"] ?? 0))
        #expect(l.shed_by_reason["node overloaded"] ?? 0 > 0)
        #expect(abs(l.per_s.offered - Double(l.offered) / 15) < 0.01)
        #expect(r.in_flight_at_end == 0 && r.uncredited_topups == 0)
    }

    @Test func screenRatesAreWindowedAndSharesCoverTheWindow() {
        let sim = Simulation(config: Self.config())
        sim.advance(to: SimTime(microseconds: 30_000_000))
        let s = sim.snapshot()
        let total = s.totalRates
        #expect(abs(total.offered - 1_000) < 60, "offered \(total.offered)/s over the last 10 s")
        #expect(total.goodput > 800 && total.goodput <= total.offered)
        for row in s.workloads {
            #expect(row.outcomeShares != nil)
            #expect(abs((row.outcomeShares ?? []).reduce(0, +) - 1) < 1e-9)
        }
        #expect(s.errorRate == 0)
    }

    // MARK: Resilience

    @Test func breakersOpenAndHalfOpenDuringAGatewayOutageAndPaymentsAreUntouched() {
        let sim = Self.run(Self.config(), seconds: 40, [(5, .gatewayDown), (25, .gatewayUp)])
        let r = Self.report(sim, seconds: 40)
        let events = sim.snapshot().events.map(\.message)
        #expect(events.contains { $0.contains("gateway breaker opened") })
        #expect(events.contains { $0.contains("gateway breaker half-open") })
        #expect(events.contains { $0.contains("gateway breaker open again") }, "trial calls fail while it is still down")
        #expect(events.contains { $0.contains("gateway breaker closed") }, "and pass once it is back")
        #expect(r.nodes.allSatisfy { $0.breaker == "closed" && $0.breaker_opens >= 1 })
        #expect(r.load.shed_by_reason["breaker open"] ?? 0 > 100, "top-ups fail fast while open")
        #expect(r.workloads["payment"]!.failed == 0 && r.workloads["trade"]!.failed == 0, "payments never touch the gateway")
        #expect(r.gateway.unknown_outcomes > 0 && r.gateway.reversals_pending == 0 && r.gateway.open_charges == 0)
        #expect(r.ledger.balanced, "\(r.ledger.violations)")
    }

    @Test func jitteredRetriesStayWithinTheBudgetAndStormWithoutIt() {
        let seconds: Int64 = 15
        let on = Self.report(Self.run(Self.config { $0.baseRateTPS = 20_000 }, seconds: seconds), seconds: seconds)
        let allowance = Double(on.load.offered) * 0.20 + 10 * Double(seconds + 10)
        #expect(Double(on.load.retries) <= allowance, "\(on.load.retries) retries for \(on.load.offered) requests")
        #expect(on.load.retries_refused_by_budget > 0)
        let off = Self.report(Self.run(Self.config {
            $0.baseRateTPS = 20_000
            $0.retryBudgetEnabled = false
        }, seconds: seconds), seconds: seconds)
        #expect(off.load.retries > on.load.retries * 3 / 2, "without the budget retries amplify the load")
        #expect(off.load.retries_refused_by_budget == 0)
        #expect(off.resilience.retry_budget_percent == nil)
    }

    @Test func ejectionIgnoresOverloadButCatchesADeadNode() {
        // Tiny nodes: they refuse a lot, and must not be ejected for it.
        let overloaded = Self.run(Self.config {
            $0.baseRateTPS = 4_000
            $0.nodeCapacities = [4]
            $0.nodeQueueLimit = 2
        }, seconds: 10)
        let r = Self.report(overloaded, seconds: 10)
        #expect(r.nodes.allSatisfy { $0.refused > 0 && $0.errors == 0 })
        #expect(!overloaded.snapshot().events.contains { $0.message.contains("ejected") })
        // A failed node refuses connections until the checks notice: that is its fault.
        let failed = Self.run(Self.config { $0.balancer = .roundRobin }, seconds: 8, [(2, .failNode(2))])
        #expect(failed.snapshot().events.contains { $0.message == "node-3 ejected after 5 consecutive errors for 30s" })
    }

    @Test func aCacheFlushRaisesShardUtilisationAndPaymentLatency() throws {
        let sim = Simulation(config: Self.config { $0.baseRateTPS = 3_000 })
        sim.advance(to: SimTime(microseconds: 30_000_000))
        let before = sim.snapshot()
        try sim.apply(.cacheFlush)
        sim.advance(to: SimTime(microseconds: 38_000_000))
        let after = sim.snapshot()
        let cpuBefore = before.shards.map(\.cpuUtilisation).reduce(0, +) / 4
        let cpuAfter = after.shards.map(\.cpuUtilisation).reduce(0, +) / 4
        #expect(cpuAfter > cpuBefore * 1.3, "shard CPU \(cpuBefore) → \(cpuAfter)")
        let p99Before = try #require(before.workload(.payment).p99Milliseconds)
        let p99After = try #require(after.workload(.payment).p99Milliseconds)
        #expect(p99After > p99Before * 1.5, "payment p99 \(p99Before) → \(p99After) ms")
        #expect(after.cache.hitRate < before.cache.hitRate - 0.1)
    }

    // MARK: Nothing stuck, nothing lost

    @Test func participantsThatNeverHeardTheirPrepareAbortAndTheRunDrains() {
        let sim = Simulation(config: Self.config())
        sim.advance(to: SimTime(microseconds: 5_000_000))
        #expect(throws: Never.self) { try sim.apply(.partitionShard(1, duration: .seconds(8))) }
        sim.advance(to: SimTime(microseconds: 20_000_000))
        #expect(Self.drains(sim, within: 30), "drained within 30 s of arrivals stopping")
        #expect(sim.commitStats.idleAborts > 0, "prepares lost to the partition left idle participants")
        #expect(sim.shards.allSatisfy { $0.active.isEmpty })
        #expect(sim.snapshot().commit.inDoubt == 0)
        sim.auditNow()
        #expect(sim.snapshot().ledger.balanced)
    }

    @Test func anAuthorisationWithoutAnAnswerIsReversedAndNeverCredited() {
        // The call times out before the gateway's median answer: most outcomes are unknown.
        let c = Self.config {
            $0.mix = WorkloadMix(payment: 0, topup: 100, trade: 0)
            $0.baseRateTPS = 300
            $0.gatewayCallTimeout = .milliseconds(100)
            // Breakers would open on so many timeouts; this is about what a timeout leaves behind.
            $0.breakerEnabled = false
        }
        let sim = Self.run(c, seconds: 10)
        let r = Self.report(sim, seconds: 10)
        let g = sim.gateway
        #expect(sim.gatewayStats.unknownOutcomes > 500)
        #expect(sim.gatewayStats.lateApprovals > 100, "approvals that came after the caller gave up")
        #expect(g.reversals > 100, "charges the gateway made were voided")
        #expect(g.openCharges.isEmpty && sim.reversals.isEmpty)
        #expect(g.chargedMinorUnits == g.matchedMinorUnits + g.reversedMinorUnits)
        #expect(sim.creditedMinorUnits == g.matchedMinorUnits, "a wallet is credited only for a confirmed charge")
        #expect(r.workloads["topup"]!.committed == g.captures - g.reversals, "late approvals never credit")
        #expect(r.reconciliation.breaks == 0, "\(r.reconciliation.break_list)")
        #expect(r.ledger.balanced, "\(r.ledger.violations)")
    }

    @Test func callsInFlightOnAFailedNodeAreReversedByTheJournal() {
        let c = Self.config { $0.mix = WorkloadMix(payment: 0, topup: 100, trade: 0) }
        let sim = Simulation(config: c)
        sim.advance(to: SimTime(microseconds: 3_000_000))
        let inFlight = sim.nodes[0].gatewayCalls.count
        #expect(inFlight > 0)
        #expect(throws: Never.self) { try sim.apply(.failNode(0)) }
        sim.advance(to: SimTime(microseconds: 7_000_000))
        #expect(sim.gatewayStats.unknownOutcomes >= Int64(inFlight), "each orphaned call is treated as unknown")
        // Its coordinator's in-doubt credits block their partitions until it is back (2PC blocks).
        #expect(throws: Never.self) { try sim.apply(.recoverNode(0)) }
        sim.advance(to: SimTime(microseconds: 10_000_000))
        sim.closeArrivals()
        sim.advance(to: SimTime(microseconds: 40_000_000))
        #expect(sim.isQuiescent)
        #expect(sim.gateway.openCharges.isEmpty, "every charge is credited or reversed")
        #expect(sim.creditedMinorUnits == sim.gateway.matchedMinorUnits)
        sim.auditNow()
        #expect(sim.snapshot().ledger.balanced)
    }

    @Test func noMoneyMessageIsDroppedUnderALongConsumerOutage() {
        let c = Self.config {
            $0.logPartitionCapacityMessages = 40
            $0.mix = WorkloadMix(payment: 50, topup: 50, trade: 0)
        }
        let sim = Self.run(c, seconds: 40, [(2, .consumers(group: "wallet-credit", count: 0)),
                                            (32, .consumers(group: "wallet-credit", count: 8))])
        let r = Self.report(sim, seconds: 40)
        #expect(r.money_messages_dropped == 0)
        #expect(r.load.shed_by_reason["back-pressure"] ?? 0 > 1_000, "top-ups refused before their card is charged")
        #expect(sim.snapshot().events.contains { $0.message.contains("new top-ups are refused until wallet-credit catches up") })
        #expect(r.uncredited_topups == 0 && sim.pendingTopups.isEmpty)
        let card = (0..<sim.ledger.shardCount).reduce(Int64(0)) { $0 + sim.ledger.balance(sim.ledger.cardNetwork(shard: $1)) }
        let opening = Simulation(config: c).ledger
        let cardBefore = (0..<opening.shardCount).reduce(Int64(0)) { $0 + opening.balance(opening.cardNetwork(shard: $1)) }
        #expect(cardBefore - card == sim.creditedMinorUnits)
        #expect(r.ledger.balanced)
    }

    @Test func faultsHealedLeaveNothingStuckWithinThirtySeconds() {
        let sim = Simulation(config: Self.config())
        let steps: [(Int64, OperatorCommand)] = [
            (2, .crashShard(0)), (3, .crashCoordinator(2)), (4, .partitionShard(3, duration: .seconds(6))),
            (5, .failNode(4)), (6, .gatewayDown), (7, .consumers(group: "wallet-credit", count: 0)),
            (8, .partition(sides: [[.shard(0), .shard(1)], [.shard(2), .node(5)]], duration: .seconds(4))),
            (12, .restoreShard(0)), (13, .restoreCoordinator(2)), (14, .recoverNode(4)), (15, .gatewayUp),
            (16, .consumers(group: "wallet-credit", count: 8)),
        ]
        for (t, command) in steps {
            sim.advance(to: SimTime(microseconds: t * 1_000_000))
            #expect(throws: Never.self) { try sim.apply(command) }
        }
        sim.advance(to: SimTime(microseconds: 20_000_000))
        #expect(Self.drains(sim, within: 30), "still busy 30 s after arrivals stopped")
        #expect(sim.snapshot().commit.inDoubt == 0)
        sim.auditNow()
        #expect(sim.snapshot().ledger.balanced, "\(sim.snapshot().ledger.violations)")
    }

    // MARK: 3PC's flaw on demand, 2PC's safety

    static let partitionSeeds: [UInt64] = [1, 2, 3, 4, 5]

    @Test(arguments: partitionSeeds)
    func threePhaseDivergesWhenAShardIsCutOff(seed: UInt64) {
        // Captures and settlements, the multi-shard steps, are in full flow by 30 s.
        let sim = Self.run(Self.config {
            $0.seed = seed
            $0.commitProtocol = .threePhase
            $0.captureDelayMedian = .seconds(5)
            $0.settlementLag = .seconds(10)
        }, seconds: 40, [(25, .partitionShard(1, duration: .seconds(10)))])
        let ledger = sim.snapshot().ledger
        let splits = ledger.violations.filter { $0.message.contains("committed on") && $0.message.contains("but aborted on shard-2") }
        #expect(!splits.isEmpty, "seed \(seed): no divergence")
        #expect(splits.allSatisfy { $0.txn != nil })
        #expect(sim.snapshot().events.contains { $0.severity == .crit && $0.message.hasPrefix("auditor: txn ") })
        // The reconciler finds the records it broke: what the platform believes against what the ledger applied.
        #expect(sim.reconciliation.breakCount > 0, "seed \(seed): a split the reconciler missed")
    }

    @Test(arguments: partitionSeeds)
    func twoPhaseStaysAtomicUnderTheSamePartition(seed: UInt64) {
        let sim = Self.run(Self.config { $0.seed = seed }, seconds: 20, [(5, .partitionShard(1, duration: .seconds(10)))])
        let s = sim.snapshot()
        #expect(s.ledger.balanced, "seed \(seed): \(s.ledger.violations)")
        #expect(s.commit.inDoubt == 0 && s.commit.inDoubtTotal > 0, "blocked in doubt during the partition, resolved after")
        #expect(sim.isQuiescent)
    }
}
