import Testing
@testable import PaySim

@Suite struct SimulationTests {
    func config(seed: UInt64 = 42) -> SimulationConfig {
        var c = SimulationConfig()
        c.seed = seed
        return c
    }

    func report(_ c: SimulationConfig, _ d: SimDuration, commands: [(at: SimDuration, command: OperatorCommand)] = []) -> RunReport {
        let sim = Simulation(config: c)
        #expect(sim.runHeadless(duration: d, commands: commands).isEmpty)
        return RunReport(snapshot: sim.snapshot(), config: c, duration: d)
    }

    /// The console reads the distribution tables and the event heap through
    /// before each frame: only caches change. Every distinct table is read,
    /// each once, and the run is the same run.
    @Test func warmingAfterIdleChangesNothing() {
        let c = config()
        let warmed = Simulation(config: c), plain = Simulation(config: c)
        let sigmas: Set<Double> = [c.networkLatencySigma, c.fsyncLatencySigma, 0.4, c.shardCPUSigma, 0.5]
        #expect(warmed.distributionTables.count == sigmas.count)
        for step in 1...200 {
            let t = SimTime(microseconds: Int64(step) * 100_000)
            warmed.warmAfterIdle()
            warmed.advance(to: t)
            plain.advance(to: t)
        }
        #expect(warmed.processedEvents == plain.processedEvents && warmed.processedEvents > 100_000)
        #expect(RunReport(snapshot: warmed.snapshot(), config: c, duration: .seconds(20))
                == RunReport(snapshot: plain.snapshot(), config: c, duration: .seconds(20)))
    }

    @Test func tenMinuteMixedRunEndsBalancedWithEveryWorkloadCommitting() {
        let r = report(config(), .minutes(10))
        #expect(r.ledger.balanced, "\(r.ledger.violations)")
        #expect(r.commit.in_doubt == 0)
        for name in ["payment", "topup", "trade"] {
            let w = r.workloads[name]!
            #expect(w.committed > 0)
            #expect(w.submitted == w.committed + w.declined + w.aborted + w.failed)
            #expect(w.latency_ms.p50 > 0 && w.latency_ms.p50 <= w.latency_ms.p99 && w.latency_ms.p99 <= w.latency_ms.p999)
        }
        // 1,000 tps for 600 s, split 60/25/15, within Poisson noise.
        let total = Double(r.workloads.values.reduce(0) { $0 + $1.submitted })
        #expect(abs(total / 600_000 - 1) < 0.01)
        #expect(abs(Double(r.workloads["payment"]!.submitted) / total - 0.60) < 0.01)
        #expect(abs(Double(r.workloads["topup"]!.submitted) / total - 0.25) < 0.01)
        #expect(r.commit.prepared > 0 && r.commit.committed > 0 && r.commit.messages > 0)
    }

    @Test func sameInputsGiveTheSameReportAndOtherSeedsDiffer() {
        let a = report(config(), .seconds(60))
        let b = report(config(), .seconds(60))
        let c = report(config(seed: 43), .seconds(60))
        #expect(a == b)
        #expect(a != c)
    }

    @Test func threePhaseRunEndsBalancedWithoutPartitions() {
        var c = config()
        c.commitProtocol = .threePhase
        let r = report(c, .seconds(90), commands: [(.seconds(20), .crashCoordinator(1)), (.seconds(40), .crashShard(2))])
        #expect(r.ledger.balanced, "\(r.ledger.violations)")
        #expect(r.commit.protocol == "3pc")
        #expect(r.commit.in_doubt == 0)
    }

    @Test func crashesUnderTwoPhaseEndBalancedWithNothingLeftInDoubt() {
        let r = report(config(), .seconds(120), commands: [
            (.seconds(10), .crashCoordinator(0)), (.seconds(30), .crashShard(1)),
            (.seconds(50), .crashShard(3)), (.seconds(51), .crashCoordinator(4)),
            (.seconds(70), .partitionShard(0, duration: .seconds(5))),
        ])
        #expect(r.ledger.balanced, "\(r.ledger.violations)")
        #expect(r.commit.in_doubt == 0)
        #expect(r.commit.in_doubt_total > 0)
    }

    @Test func spikesAndPartitionsInForceAreBoundedAndFreeAgainWhenTheyEnd() throws {
        var c = config()
        c.customers = 2_000
        let sim = Simulation(config: c)
        for _ in 0..<Limits.activeSpikes { try sim.apply(.spike(factor: 1.01, duration: .seconds(5), workload: nil)) }
        #expect(throws: CommandError.self) { try sim.apply(.spike(factor: 1.01, duration: .seconds(5), workload: nil)) }
        for _ in 0..<Limits.activePartitions { try sim.apply(.partition(sides: [[.shard(0)]], duration: .seconds(5))) }
        do {
            try sim.apply(.partition(sides: [[.shard(0)]], duration: .seconds(5)))
            Issue.record("a partition beyond the bound was accepted")
        } catch {
            #expect(error.message.contains("\(Limits.activePartitions) partitions are in force"))
        }
        // Each ends by itself, and then there is room again.
        sim.advance(to: SimTime(microseconds: 7_000_000))
        try sim.apply(.spike(factor: 2, duration: .seconds(1), workload: nil))
        try sim.apply(.partition(sides: [[.shard(1)]], duration: .seconds(1)))
    }

    @Test func spikeMultipliesTheRateForItsDurationOnly() throws {
        let sim = Simulation(config: config())
        #expect(sim.currentRate(.payment) == 600)
        try sim.apply(.spike(factor: 5, duration: .seconds(30), workload: nil))
        #expect(sim.currentRate(.payment) == 3_000)
        #expect(sim.snapshot().spikes.count == 1)
        sim.advance(to: SimTime(microseconds: 10_000_000))
        let during = sim.snapshot().workload(.payment).stats.submitted
        #expect(abs(Double(during) / 30_000 - 1) < 0.05)
        sim.advance(to: SimTime(microseconds: 31_000_000))
        #expect(sim.currentRate(.payment) == 600)
        #expect(sim.snapshot().spikes.isEmpty)
        #expect(sim.snapshot().events.contains { $0.message.contains("spike ×5 ended") })
    }

    @Test func rateAndMixCommandsChangeArrivals() throws {
        let sim = Simulation(config: config())
        try sim.apply(.rate(tps: 2_000, workload: nil))
        #expect(sim.currentRate(.trade) == 300)
        try sim.apply(.rate(tps: 50, workload: .trade))
        #expect(sim.currentRate(.trade) == 50)
        try sim.apply(.mix(WorkloadMix(payment: 100, topup: 0, trade: 0)))
        #expect(sim.currentRate(.topup) == 0)
        #expect(throws: CommandError.self) { try sim.apply(.rate(tps: -1, workload: nil)) }
        #expect(throws: CommandError.self) { try sim.apply(.crashShard(9)) }
    }

    @Test func gatewayOutageFailsTopUpsUntilItReturns() throws {
        let sim = Simulation(config: config())
        try sim.apply(.gatewayDown)
        sim.advance(to: SimTime(microseconds: 10_000_000))
        let down = sim.snapshot().workload(.topup).stats
        #expect(down.failed > 1_000)
        #expect(down.committed == 0)
        try sim.apply(.gatewayUp)
        sim.advance(to: SimTime(microseconds: 20_000_000))
        #expect(sim.snapshot().workload(.topup).stats.committed > 1_000)
    }

    final class Weak<T: AnyObject> {
        weak var object: T?
        init(_ object: T) { self.object = object }
    }

    /// Runs two simulated seconds, then for 200 ms, a millisecond at a time,
    /// watches (weakly) every object `live` names, by id.
    static func watch<T: AnyObject>(_ sim: Simulation, _ live: (Simulation) -> [T], id: (T) -> Int64) -> [Int64: Weak<T>] {
        sim.advance(to: SimTime(microseconds: 2_000_000))
        var watched: [Int64: Weak<T>] = [:]
        for _ in 0..<200 {
            sim.advance(to: SimTime(microseconds: sim.nowMicros + 1_000))
            for o in live(sim) where watched[id(o)] == nil { watched[id(o)] = Weak(o) }
        }
        return watched
    }

    /// A transaction is let go once it is settled and its coordinator has
    /// forgotten it, not when its last timer comes due: the timers whose
    /// token moved on are cancelled. (Held, every transaction would live at
    /// least a vote timeout, a second, and crowd the caches.)
    @Test func settledTransactionsAreNotHeldByTheirTimers() {
        let sim = Simulation(config: SimulationConfig())
        let watched = Self.watch(sim, { Array($0.unsettled.values) }, id: \.id)
        #expect(watched.count > 100, "enough transactions to mean something")
        // The oldest is now at most 500 ms old: inside the vote timeout (1 s) its first timer was armed with.
        sim.advance(to: SimTime(microseconds: sim.nowMicros + 300_000))
        var freed = 0
        for w in watched.values {
            guard let t = w.object else { freed += 1; continue }
            #expect(!t.settled || sim.coordinators[t.coordinator].active[t.id] != nil,
                    "txn \(t.id) is settled and forgotten but still held")
        }
        #expect(freed > watched.count / 2, "\(freed) of \(watched.count) freed")
    }

    /// Likewise a top-up whose card call has ended is not held by the
    /// call's timeout (2 s) once its answer is in and it is credited.
    @Test func aFinishedTopUpIsNotHeldByItsCallTimeout() {
        let sim = Simulation(config: SimulationConfig())
        let watched = Self.watch(sim, { $0.nodes.flatMap { Array($0.gatewayCalls.values) } }, id: \.id)
        #expect(watched.count > 20, "enough card calls to mean something")
        // The oldest call began at most 1.4 s ago: its timeout has not come due.
        sim.advance(to: SimTime(microseconds: sim.nowMicros + 1_200_000))
        var freed = 0
        for w in watched.values {
            guard let r = w.object else { freed += 1; continue }
            #expect(!r.finished || sim.pendingTopups[r.id] != nil, "top-up \(r.id) is finished and credited but still held")
        }
        #expect(freed > watched.count / 2, "\(freed) of \(watched.count) freed")
    }
}
