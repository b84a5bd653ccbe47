import Testing
@testable import PaySim

/// The platform around the ledger: nodes and the balancer, the message log
/// and the cache.
@Suite struct BalancerTests {
    func sim(_ configure: (inout SimulationConfig) -> Void = { _ in }) -> Simulation {
        var c = SimulationConfig()
        c.customers = 5_000
        configure(&c)
        return Simulation(config: c)
    }

    @Test func smoothWeightedRoundRobinGivesNginxSequence() {
        let s = sim {
            $0.nodes = 3
            $0.nodeWeights = [5, 1, 1]
            $0.balancer = .weightedRoundRobin
            $0.baseRateTPS = 0
        }
        let r = Request(id: 1, workload: .payment, arrivedAt: 0, writes: [])
        let picks = (0..<14).map { _ in s.balancer.pick(customer: r.customer, nodes: s.nodes, now: s.nowMicros)! }
        // a a b a c a a, twice.
        #expect(picks == [0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0])
    }

    @Test func everyAlgorithmSpreadsLoadOverHealthyNodes() throws {
        for algorithm in BalancerAlgorithm.allCases {
            let s = sim { $0.balancer = algorithm }
            s.advance(to: SimTime(microseconds: 20_000_000))
            let rows = s.snapshot().nodes
            #expect(rows.allSatisfy { $0.requests > 100 }, "\(algorithm): \(rows.map(\.requests))")
            #expect(rows.allSatisfy { $0.errors == 0 }, "\(algorithm): \(rows.map(\.errors))")
        }
    }

    @Test func consistentHashKeepsACustomerOnOneNode() {
        let s = sim { $0.balancer = .consistentHash }
        let r = Request(id: 1, workload: .payment, arrivedAt: 0, writes: [])
        r.customer = 1234
        func pick() -> Int? { s.balancer.pick(customer: r.customer, nodes: s.nodes, now: s.nowMicros) }
        let first = pick()
        #expect((0..<20).allSatisfy { _ in pick() == first })
        // Taking that node out moves the customer, and only while it is out.
        s.nodes[first!].draining = true
        let moved = pick()
        #expect(moved != first)
        s.nodes[first!].draining = false
        #expect(pick() == first)
    }

    @Test func drainFinishesInFlightWorkAndTakesNoNewWork() throws {
        let s = sim()
        s.advance(to: SimTime(microseconds: 5_000_000))
        let node = s.nodes[0]
        let inFlight = Array(node.working.values) + Array(node.queue)
        #expect(!inFlight.isEmpty)
        let requestsBefore = node.requests.total, errorsBefore = node.errors.total
        try s.apply(.drainNode(0))
        #expect(s.snapshot().node("node-1")?.state == .draining)
        s.advance(to: SimTime(microseconds: 7_000_000))
        #expect(node.requests.total == requestsBefore, "no new work after the drain")
        #expect(node.errors.total == errorsBefore, "in-flight work finished without errors")
        #expect(inFlight.allSatisfy { $0.finished || $0.node != 0 })
        #expect(node.inFlight == 0)
        #expect(s.snapshot().node("node-1")?.state == .drained)
        #expect(s.snapshot().events.contains { $0.message == "node-1 drained: nothing in flight" })
        #expect(throws: CommandError.self) { try s.apply(.drainNode(0)) }
    }

    @Test func failGivesErrorsUntilHealthChecksMarkItDownThenTrafficStops() throws {
        let s = sim { $0.balancer = .roundRobin }
        s.advance(to: SimTime(microseconds: 5_000_000))
        let node = s.nodes[1]
        try s.apply(.failNode(1))
        let failedAt = s.nowMicros
        var downAt: Int64?
        while downAt == nil && s.nowMicros < failedAt + 20_000_000 {
            s.advance(to: SimTime(microseconds: s.nowMicros + 100_000))
            if !node.healthy { downAt = s.nowMicros }
        }
        let detected = try #require(downAt) - failedAt
        // fall = 3 checks every 2 s: the third failing check is 4-6 s after the failure.
        #expect(detected >= 4_000_000 && detected <= 6_100_000, "detected after \(detected) µs")
        #expect(node.errors.total > 0, "requests sent before detection failed")
        #expect(s.snapshot().node("node-2")?.state == .down)
        #expect(s.snapshot().events.contains { $0.message == "node-2 failed its health check 3/3: marked down" })
        let requestsAtDetection = node.requests.total
        s.advance(to: SimTime(microseconds: s.nowMicros + 10_000_000))
        #expect(node.requests.total == requestsAtDetection, "no traffic once marked down")
        #expect(!s.coordinators[1].up, "the node's coordinator went with it")
    }

    @Test func recoverRampsTheWeightBackUp() throws {
        let s = sim { $0.balancer = .weightedRoundRobin }
        s.advance(to: SimTime(microseconds: 2_000_000))
        try s.apply(.failNode(0))
        s.advance(to: SimTime(microseconds: 12_000_000))
        #expect(!s.nodes[0].healthy)
        try s.apply(.recoverNode(0))
        s.advance(to: SimTime(microseconds: 17_000_000))
        let early = try #require(s.snapshot().node("node-1"))
        #expect(early.state == .recovering)
        #expect(early.effectiveWeight < Double(early.weight) / 2)
        s.advance(to: SimTime(microseconds: 32_000_000))
        let mid = try #require(s.snapshot().node("node-1"))
        #expect(mid.effectiveWeight > early.effectiveWeight && mid.effectiveWeight < Double(mid.weight))
        s.advance(to: SimTime(microseconds: 50_000_000))
        let done = try #require(s.snapshot().node("node-1"))
        #expect(done.state == .up)
        #expect(done.effectiveWeight == Double(done.weight))
        #expect(s.coordinators[0].up)
        #expect(done.rps > 0)
    }

    @Test func slowNodeStaysHealthyButGetsSlower() throws {
        // Payments only: their latency is the node's own work, not the gateway's.
        let s = sim { $0.mix = WorkloadMix(payment: 100, topup: 0, trade: 0) }
        try s.apply(.slowNode(2, factor: 20))
        s.advance(to: SimTime(microseconds: 20_000_000))
        let rows = s.snapshot().nodes
        #expect(rows[2].state == .up, "a gray failure passes health checks")
        #expect((rows[2].p99Milliseconds ?? 0) > (rows[3].p99Milliseconds ?? 0) * 2)
    }
}

@Suite struct MessagingTests {
    @Test func lagGrowsWithoutConsumersAndDrainsWhenTheyReturn() throws {
        let s = Simulation(config: SimulationConfig())
        s.advance(to: SimTime(microseconds: 5_000_000))
        try s.apply(.consumers(group: "wallet-credit", count: 0))
        let creditedBefore = s.snapshot().workload(.topup).stats.committed
        s.advance(to: SimTime(microseconds: 10_000_000))
        let lag5 = try #require(s.snapshot().queue(group: "wallet-credit")).lag
        s.advance(to: SimTime(microseconds: 15_000_000))
        let lag10 = try #require(s.snapshot().queue(group: "wallet-credit")).lag
        #expect(lag5 > 500 && lag10 > lag5 + 500)
        #expect(s.snapshot().workload(.topup).stats.committed <= creditedBefore + 8, "at most the abandoned in-flight credits land")
        // Other groups are unaffected.
        #expect(try #require(s.snapshot().queue(group: "settlement")).lag < 50)
        try s.apply(.consumers(group: "wallet-credit", count: 4))
        s.advance(to: SimTime(microseconds: 30_000_000))
        let row = try #require(s.snapshot().queue(group: "wallet-credit"))
        #expect(row.lag < 50)
        #expect(row.partitionLag.count == 8)
        #expect(s.snapshot().workload(.topup).stats.committed > creditedBefore + Int64(lag10))
    }

    @Test func walletIsCreditedExactlyOnceUnderRedelivery() throws {
        let s = Simulation(config: SimulationConfig())
        let cardBefore = (0..<s.ledger.shardCount).reduce(Int64(0)) { $0 + s.ledger.balance(s.ledger.cardNetwork(shard: $1)) }
        // Rebalance every 7 ms for 10 s: messages in progress are abandoned
        // and delivered again while their first credit may still commit.
        var t: Int64 = 1_000_000
        var flip = false
        while t < 11_000_000 {
            s.advance(to: SimTime(microseconds: t))
            try s.apply(.consumers(group: "wallet-credit", count: flip ? 4 : 3))
            flip.toggle()
            t += 7_000
        }
        s.closeArrivals()
        s.advance(to: SimTime(microseconds: 60_000_000))
        #expect(s.isQuiescent)
        let g = try #require(s.snapshot().queue(group: "wallet-credit"))
        #expect(g.redeliveries > 100)
        #expect(s.snapshot().workload(.topup).stats.duplicates > 0, "some redelivered credits had already landed")
        #expect(s.pendingTopups.isEmpty)
        let cardAfter = (0..<s.ledger.shardCount).reduce(Int64(0)) { $0 + s.ledger.balance(s.ledger.cardNetwork(shard: $1)) }
        #expect(cardBefore - cardAfter == s.creditedMinorUnits, "each top-up moved its money exactly once")
        s.auditNow()
        #expect(s.snapshot().ledger.balanced)
    }
}

@Suite struct CacheTests {
    @Test func lruEvictsLeastRecentlyUsedFirst() {
        let c = EmbeddedCache(capacity: 3)
        for i in 1...3 { c.set(CacheKey(.account, Int64(i)), value: Int64(i), ttl: .seconds(60), now: 0) }
        #expect(c.get(CacheKey(.account, 1), now: 1) == 1)
        c.set(CacheKey(.account, 4), value: 4, ttl: .seconds(60), now: 2)
        #expect(c.recencyOrder.map(\.id) == [4, 1, 3])
        #expect(c.get(CacheKey(.account, 2), now: 3) == nil, "2 was least recently used")
        c.set(CacheKey(.merchant, 5), value: 5, ttl: .seconds(60), now: 4)
        #expect(c.recencyOrder.map(\.id) == [5, 4, 1])
        #expect(c.stats.keyspaces[CacheKeyspace.account.rawValue].evictions == 2)
        c.setCapacity(1)
        #expect(c.recencyOrder.map(\.id) == [5])
        #expect(c.stats.entries == 1)
    }

    /// Random gets, sets, deletes, capacity changes and flushes over a
    /// small key space (full probe runs, shifts, growth and evictions),
    /// against a plain model of an LRU cache with TTLs: the same answers,
    /// the same recency order, the same counts.
    @Test(arguments: [1, 2, 3])
    func behavesAsAPlainLRUModel(seed: UInt64) {
        var r = SeededRandom(seed: seed)
        var capacity = 40
        let c = EmbeddedCache(capacity: capacity)
        var order: [Int64] = []                 // most recent first
        var model: [Int64: (value: Int64, expires: Int64)] = [:]
        var evictions: Int64 = 0, expirations: Int64 = 0, hits: Int64 = 0, misses: Int64 = 0
        func touch(_ k: Int64) { order.removeAll { $0 == k }; order.insert(k, at: 0) }
        func drop(_ k: Int64) { order.removeAll { $0 == k }; model[k] = nil }
        var now: Int64 = 0
        for _ in 0..<20_000 {
            now += Int64(r.nextInt(below: 50))
            let k = Int64(r.nextInt(below: 120))
            let key = CacheKey(.account, k)
            switch r.nextInt(below: 100) {
            case 0..<45:
                let got = c.get(key, now: now)
                if let e = model[k], e.expires > now {
                    hits += 1; touch(k)
                    #expect(got == e.value)
                } else {
                    if model[k] != nil { expirations += 1; drop(k) }
                    misses += 1
                    #expect(got == nil)
                }
            case 45..<90:
                let value = Int64(r.nextInt(below: 1_000_000))
                let ttl = Int64(1 + r.nextInt(below: 3_000))
                c.set(key, value: value, ttl: SimDuration(microseconds: ttl), now: now)
                if model[k] == nil {
                    while model.count >= capacity, let last = order.last { drop(last); evictions += 1 }
                }
                model[k] = (value, now + ttl)
                touch(k)
            case 90..<97:
                c.delete(key)
                drop(k)
            case 97..<99:
                capacity = 1 + r.nextInt(below: 100)
                c.setCapacity(capacity)
                while model.count > capacity, let last = order.last { drop(last); evictions += 1 }
            default:
                c.flush()
                order.removeAll(); model.removeAll()
            }
            #expect(c.count == model.count)
        }
        #expect(c.recencyOrder.map(\.id) == order)
        let stats = c.stats.keyspaces[CacheKeyspace.account.rawValue]
        #expect(stats.hits == hits && stats.misses == misses)
        #expect(stats.evictions == evictions && stats.expirations == expirations)
        #expect(evictions > 100 && expirations > 100, "the run reached eviction and expiry")
    }

    @Test func entriesExpireAfterTheirTTL() {
        let c = EmbeddedCache(capacity: 10)
        let k = CacheKey(.quote, 7)
        c.set(k, value: 70, ttl: .seconds(1), now: 0)
        #expect(c.get(k, now: 999_999) == 70)
        #expect(c.get(k, now: 1_000_000) == nil)
        #expect(c.stats.keyspaces[CacheKeyspace.quote.rawValue].expirations == 1)
        #expect(c.stats.keyspaces[CacheKeyspace.quote.rawValue].hits == 1)
        #expect(c.stats.keyspaces[CacheKeyspace.quote.rawValue].misses == 1)
        #expect(c.count == 0)
    }

    @Test func deleteAndFlush() {
        let c = EmbeddedCache(capacity: 10)
        for i in 0..<5 { c.set(CacheKey(.account, Int64(i)), value: 0, ttl: .seconds(9), now: 0) }
        c.delete(CacheKey(.account, 2))
        #expect(c.get(CacheKey(.account, 2), now: 1) == nil)
        #expect(c.count == 4)
        c.flush()
        #expect(c.count == 0 && c.recencyOrder.isEmpty && c.stats.flushes == 1)
        c.set(CacheKey(.account, 1), value: 1, ttl: .seconds(9), now: 2)
        #expect(c.get(CacheKey(.account, 1), now: 3) == 1)
    }

    @Test func aFlushDropsTheHitRateAndRaisesShardReads() throws {
        let s = Simulation(config: SimulationConfig())
        s.advance(to: SimTime(microseconds: 60_000_000))
        let before = s.snapshot().cache
        let readsBefore = before.shardReadsPerSecond.reduce(0, +)
        #expect(before.hitRate > 0.3)
        #expect(before.hitRateHistory.suffix(5).allSatisfy { abs($0 - before.hitRate) < 0.05 }, "steady before the flush")
        try s.apply(.cacheFlush)
        s.advance(to: SimTime(microseconds: 61_000_000))
        let after = s.snapshot().cache
        #expect(after.hitRateHistory.last! < before.hitRate - 0.15)
        #expect(s.shards.map { $0.reads.perSecond.last ?? 0 }.reduce(0, +) > readsBefore * 1.25)
        #expect(s.snapshot().events.contains { $0.message.hasPrefix("cache flushed") })
    }

    @Test func writesInvalidateTheAccountsTheyChange() {
        var c = SimulationConfig()
        c.baseRateTPS = 0
        let s = Simulation(config: c)
        let r = s.makeRequest(.payment)
        s.inFlightRequests += 1
        s.stats[0].submitted += 1
        let wallet = s.ledger.wallet(customer: r.customer)
        s.cache.set(CacheKey(.account, Int64(wallet)), value: 1, ttl: .seconds(60), now: 0)
        s.attempt(r)
        s.advance(to: SimTime(microseconds: 1_000_000))
        #expect(r.finished)
        #expect(s.cache.get(CacheKey(.account, Int64(wallet)), now: s.nowMicros) != 1, "the stale balance is gone")
    }
}

@Suite struct ScriptedRunTests {
    @Test func nodeFailuresShardAndCoordinatorCrashesUnderTwoPhaseEndBalanced() throws {
        let text = """
        # node failures, a shard crash and a coordinator crash, all under 2PC
        at 10s  fail node-2
        at 20s  crash shard-3
        at 25s  crash coordinator node-4
        at 30s  fail node-5
        at 40s  recover node-2
        at 50s  partition shard-1 for 5s
        at 60s  recover node-5
        """
        var c = SimulationConfig()
        c.commitProtocol = .twoPhase
        let scenario = try Scenario.parse(text, file: "game-day", shape: PlatformShape(c))
        #expect(scenario.steps.count == 7)
        let s = Simulation(config: c)
        let refused = s.runHeadless(duration: .seconds(90), commands: scenario.steps.map { ($0.at, $0.command) })
        #expect(refused.isEmpty)
        let r = RunReport(snapshot: s.snapshot(), config: c, duration: .seconds(90))
        #expect(r.ledger.balanced, "\(r.ledger.violations)")
        #expect(r.commit.in_doubt == 0)
        #expect(r.commit.in_doubt_total > 0)
        // The run drains in seconds, so node-5 (recovered at 60 s) may still be in slow start.
        #expect(r.nodes.allSatisfy { $0.state == "up" || $0.state == "recovering" })
        #expect(r.nodes.first { $0.name == "node-2" }!.errors > 0)
    }

    @Test func aScenarioNamingAMissingNodeIsRefusedAtItsColumn() {
        #expect(throws: ScenarioError(file: "f", line: 2, column: 13, message: "there is no node-7; nodes are node-1 … node-6")) {
            try Scenario.parse("at 1s pause\nat 2s drain node-7\n", file: "f", shape: PlatformShape(nodes: 6, shards: 4))
        }
        #expect(throws: ScenarioError.self) {
            try Scenario.parse("at 2s crash shard-5", file: "f", shape: PlatformShape(nodes: 6, shards: 4))
        }
        #expect((try? Scenario.parse("at 2s crash shard-4", file: "f", shape: PlatformShape(nodes: 6, shards: 4))) != nil)
    }
}
