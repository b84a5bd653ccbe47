import Testing
@testable import PaySim

/// Sampled transaction traces: what they hold, that they are bounded, and
/// that watching changes nothing.
@Suite struct TraceTests {
    static func run(_ seconds: Int64, sample: Int = 10, commands: [(at: SimDuration, command: OperatorCommand)] = []) -> Simulation {
        let sim = Simulation(config: SimulationConfig())
        sim.traces.sampleEvery = sample
        var t: Int64 = 0
        var pending = commands
        while t < seconds {
            t += 1
            while let c = pending.first, c.at.microseconds <= t * 1_000_000 {
                try? sim.apply(c.command)
                pending.removeFirst()
            }
            sim.advance(to: SimTime(microseconds: t * 1_000_000))
        }
        return sim
    }

    @Test func aCommittedRequestShowsItsWholePath() throws {
        let sim = TraceTests.run(20)
        let lists = sim.snapshot().traces
        #expect(lists.sampleEvery == 10)
        #expect(!lists.latest.isEmpty && lists.latest.count <= Traces.kept)
        #expect(lists.latest.allSatisfy { $0.id % 10 == 0 }, "one request in ten, by id")
        let payment = try #require(lists.latest.first { $0.workload == .payment && $0.outcome == "committed" }
            ?? sim.traces.latest.first { $0.workload == .payment && $0.outcome == "committed" })
        let lanes = Set(payment.steps.map(\.lane))
        #expect(lanes.contains("client") && lanes.contains("balancer") && lanes.contains("cache"))
        #expect(lanes.contains { $0.hasPrefix("node-") } && lanes.contains { $0.hasPrefix("coord node-") } && lanes.contains { $0.hasPrefix("shard-") })
        #expect(payment.steps.contains { $0.label.hasPrefix("txn ") && $0.label.contains("begins") })
        #expect(payment.steps.last { $0.lane == "client" }?.end == payment.latency, "the answer ends at the latency")
        #expect(payment.steps.allSatisfy { $0.start >= 0 && $0.end >= $0.start })
        // A top-up: the card call, the callback produced and the wallet credit.
        let topup = try #require(sim.traces.latest.first { $0.workload == .topup && $0.outcome == "committed" })
        #expect(topup.steps.contains { $0.lane == "gateway" && $0.end > $0.start })
        let card = topup.card ?? ""
        #expect(card.count == 16 && card.hasPrefix("453201******"))
        #expect(topup.account.hasPrefix("acct ••••") && topup.account.count == 13)
    }

    /// A top-up traced before the sampling rate changes keeps its trace to
    /// the end: the callback consumed after the change still joins it.
    @Test func aTraceOutlivesAChangeOfRate() {
        let sim = TraceTests.run(20, sample: 1)
        let switchedAt = sim.nowMicros
        sim.traceSampleEvery = 1_000
        sim.advance(to: SimTime(microseconds: switchedAt + 3_000_000))
        let all = sim.traces.latest + sim.traces.failed + sim.traces.slowestByWindow.flatMap(\.traces)
        let joinedLater = all.filter { t in
            t.id % 1_000 != 0 && t.steps.contains { $0.label.hasPrefix("consumed by") && t.arrivedAt.microseconds + $0.start > switchedAt }
        }
        #expect(!joinedLater.isEmpty, "a callback consumed after the change joined a trace begun before it")
        #expect(sim.traces.builder(for: 1_000 * 1_000_003) == nil, "an id never traced finds nothing")
    }

    @Test func slowestAndFailedListsMeanWhatTheySay() {
        // Timeouts at the gateway: failed top-ups, some slow.
        let sim = TraceTests.run(40, commands: [(.seconds(5), .gatewayTimeouts(percent: 30))])
        let l = sim.snapshot().traces
        #expect(!l.failed.isEmpty)
        #expect(l.failed.allSatisfy { $0.failed })
        // Each failed top-up shows what the gateway did: no answer in time, or not called (breaker, bulkhead).
        #expect(l.failed.filter { $0.workload == .topup }.allSatisfy { $0.steps.contains { $0.lane == "gateway" } })
        #expect(sim.traces.failed.contains { $0.steps.contains { $0.label.hasPrefix("no answer in time") || $0.label.hasPrefix("not called") } })
        let latencies = l.slowest.compactMap(\.latency)
        #expect(latencies == latencies.sorted(by: >))
        #expect(l.slowest.count == Traces.kept)
        // No trace of the last minute slower than the slowest kept.
        #expect((l.latest.compactMap(\.latency).max() ?? 0) <= latencies.first ?? 0)
    }

    @Test func tracingChangesNothingAndStaysBounded() {
        func report(_ sample: Int) -> (RunReport, Simulation) {
            let sim = Simulation(config: SimulationConfig())
            sim.traces.sampleEvery = sample
            _ = sim.runHeadless(duration: .seconds(15), commands: [(.seconds(5), .crashShard(1)), (.seconds(9), .restoreShard(1))])
            return (sim.report(duration: .seconds(15)), sim)
        }
        let (off, _) = report(0)
        let (every, sim) = report(1)
        #expect(off == every, "a traced run is the same run")
        #expect(sim.traces.byRequest.count <= 256 + sim.inFlightRequests)
        #expect(sim.traces.latest.count <= Traces.kept && sim.traces.slowestByWindow.count <= 7)
        #expect(sim.traces.latest.allSatisfy { $0.steps.count <= Traces.maxSteps })
    }
}
