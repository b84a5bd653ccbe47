import Foundation
import Testing
import TestSupport
@testable import PaySim
@testable import RedisBackend

/// The whole simulation with its cache and message log on real redis-servers.
@Suite(.serialized) struct RedisSimulationTests {
    static func cardTotal(_ s: Simulation) -> Int64 {
        (0..<s.ledger.shardCount).reduce(Int64(0)) { $0 + s.ledger.balance(s.ledger.cardNetwork(shard: $1)) }
    }

    /// Advances in 100 ms steps, a little wall time apart, until the cache
    /// and the log are back and the streams are in step again (reconnects
    /// back off up to 2 s of wall time); at most 20 s. Returns the time reached.
    static func advanceUntilReconnected(_ s: Simulation, log: RedisStreamLog) -> Int64 {
        let deadline = Date().addingTimeInterval(20)
        var t = s.now.microseconds
        repeat {
            t += 100_000
            s.advance(to: SimTime(microseconds: t))
            Thread.sleep(forTimeInterval: 0.02)
        } while !(s.snapshot().cache.available && s.snapshot().log.available && s.logGeneration == log.connectionGeneration) && Date() < deadline
        return t
    }

    static func url(_ server: RedisServer) -> RedisURL { RedisURL(host: "127.0.0.1", port: server.port) }

    /// Top-ups authorised minus those credited must be zero, and the card
    /// networks must have paid out exactly what wallets were credited.
    static func expectEveryTopupCreditedOnce(_ s: Simulation, cardBefore: Int64) {
        #expect(s.isQuiescent)
        #expect(s.pendingTopups.isEmpty, "every authorised top-up was credited")
        #expect(s.creditedMinorUnits > 0)
        #expect(cardBefore - cardTotal(s) == s.creditedMinorUnits, "each top-up moved its money exactly once")
        s.auditNow()
        #expect(s.snapshot().ledger.balanced)
    }

    @Test func onRedisTheRunEndsBalancedWithEveryTopupCreditedOnceAndLeavesNothingBehind() throws {
        // Separate servers, so each one's INFO counts only its own traffic.
        let cacheServer = try RedisServer(), logServer = try RedisServer()
        let admin = try RedisConnection(url: RedisSimulationTests.url(cacheServer))
        #expect(try admin.command(["SET", "someone:else", "keep"]) == .status("OK"))
        let cache = try RedisCacheTier(url: RedisSimulationTests.url(cacheServer), runID: "sim", capacity: 50_000)
        let log = try RedisStreamLog(url: RedisSimulationTests.url(logServer), runID: "sim")
        var config = SimulationConfig()
        config.baseRateTPS = 400
        let s = Simulation(config: config, cache: cache, log: log)
        let cardBefore = RedisSimulationTests.cardTotal(s)
        // Rebalance the wallet-credit group every 250 ms for 10 s: fetched
        // entries are left pending and must be claimed (XAUTOCLAIM), not lost.
        var t: Int64 = 1_000_000
        var flip = false
        while t < 11_000_000 {
            s.advance(to: SimTime(microseconds: t))
            try s.apply(.consumers(group: "wallet-credit", count: flip ? 4 : 3))
            flip.toggle()
            t += 250_000
        }
        try s.apply(.cacheFlush)
        let flushed = try #require(s.snapshot().events.last { $0.message.hasPrefix("cache flushed: ") })
        #expect(!flushed.message.hasPrefix("cache flushed: 0 "), "\(flushed.message)")
        #expect(throws: CommandError("the cache is on redis://127.0.0.1:\(cacheServer.port)/0: its size is the server's maxmemory, which payops does not change")) {
            try s.apply(.cacheCapacity(100))
        }
        // KEYS, unlike GET, is no keyspace hit: the INFO comparison below stays exact.
        #expect(try admin.command(["KEYS", "someone:*"]) == .array([.string("someone:else")]), "a cache flush leaves other keys alone")
        s.advance(to: SimTime(microseconds: 15_000_000))
        s.closeArrivals()
        s.advance(to: SimTime(microseconds: 60_000_000))
        RedisSimulationTests.expectEveryTopupCreditedOnce(s, cardBefore: cardBefore)
        let snapshot = s.snapshot()
        #expect(snapshot.queue(group: "wallet-credit")!.redeliveries > 0, "rebalances left messages to claim")
        #expect(snapshot.workload(.topup).stats.committed > 500)

        // The messages really went through the streams: the server's own
        // figures say every group is caught up and every entry trimmed.
        let produced = s.topics.reduce(Int64(0)) { $0 + $1.partitions.reduce(0) { $0 + $1.endOffset } }
        let consumed = s.groups.reduce(Int64(0)) { $0 + $1.consumed.total }
        #expect(consumed > produced, "every message consumed by each of its groups")
        #expect(log.pipe.commandsSent > produced + consumed, "an XADD for each message, an XACK for each consumption, and the fetches")
        log.refreshFigures(streams: s.allStreams)
        #expect(log.streamLengths.count == 24 && log.streamLengths.values.allSatisfy { $0 == 0 })
        #expect(log.groupLags.count == 32)
        #expect(log.groupLags.values.allSatisfy { $0.lag == 0 && $0.pending == 0 }, "\(log.groupLags.filter { $0.value.lag != 0 || $0.value.pending != 0 })")
        #expect(log.refusals == 0, "\(log.lastRefusal ?? "")")

        // Our hit and miss counts are the server's.
        cache.refreshFigures()
        let counted = Dictionary(uniqueKeysWithValues: cache.serverCounters.map { ($0.name, $0.value) })
        let total = cache.stats.total
        #expect(total.hits > 1_000 && total.misses > 1_000)
        #expect(counted["keyspace_hits"] == total.hits)
        #expect(counted["keyspace_misses"] == total.misses)

        #expect((cache.removeOwnKeys() ?? 0) > 0)
        #expect(log.removeOwnKeys() == 24)
        // The run's heartbeat, on each server, is the last thing it removes.
        #expect(try admin.command(["EXISTS", RunLease.heartbeatKey(runID: "sim")]) == .integer(1))
        cache.pipe.endLease(runID: "sim")
        log.pipe.endLease(runID: "sim")
        #expect(try admin.command(["KEYS", "payops:*"]) == .array([]))
        #expect(try RedisConnection(url: RedisSimulationTests.url(logServer)).command(["DBSIZE"]) == .integer(0))
        #expect(try admin.command(["GET", "someone:else"]) == .string("keep"))
    }

    /// Without persistence the restarted server comes back empty and the
    /// streams are rebuilt from the outbox; with AOF it comes back with its
    /// streams and pending entries, some acknowledged only locally, and
    /// only what was in flight at the crash is sent again.
    @Test(arguments: [false, true])
    func aServerKilledMidRunDegradesThenRecoversWithTheLedgerIntact(appendOnly: Bool) throws {
        let server = try RedisServer(appendOnly: appendOnly)
        let cache = try RedisCacheTier(url: RedisSimulationTests.url(server), runID: "kill", capacity: 50_000)
        let log = try RedisStreamLog(url: RedisSimulationTests.url(server), runID: "kill")
        var config = SimulationConfig()
        config.baseRateTPS = 400
        let s = Simulation(config: config, cache: cache, log: log)
        let cardBefore = RedisSimulationTests.cardTotal(s)
        s.advance(to: SimTime(microseconds: 20_000_000))
        let healthy = s.snapshot()
        #expect(healthy.cache.available && healthy.log.available)
        #expect(healthy.cache.hitRate > 0.3)
        let readsBefore = healthy.cache.shardReadsPerSecond.reduce(0, +)

        server.kill()
        s.advance(to: SimTime(microseconds: 26_000_000))
        let down = s.snapshot()
        #expect(!down.cache.available && !down.log.available)
        #expect(down.events.contains { $0.severity == .crit && $0.message.hasPrefix("cache redis://127.0.0.1:\(server.port)/0 DOWN") })
        #expect(down.events.contains { $0.severity == .crit && $0.message.hasPrefix("message log redis://127.0.0.1:\(server.port)/0 DOWN") })
        #expect(down.cache.hitRateHistory.suffix(4).allSatisfy { $0 == 0 }, "every read is a miss")
        #expect(down.cache.shardReadsPerSecond.reduce(0, +) > readsBefore * 1.5, "the load moved to the shards")
        #expect(down.log.unsent > 0, "produced messages are held locally")
        #expect(down.requestsInFlight < 1_000, "the platform keeps serving")

        try server.start()
        let t = RedisSimulationTests.advanceUntilReconnected(s, log: log)
        let back = s.snapshot()
        #expect(back.cache.available && back.log.available)
        #expect(back.log.unsent == 0)
        #expect(back.events.contains { $0.message.hasPrefix("cache back on") })
        #expect(back.events.contains { $0.message.hasPrefix("message log back on") })
        s.advance(to: SimTime(microseconds: t + 15_000_000))
        #expect(s.snapshot().cache.hitRate > 0.3, "the cache refills")
        s.closeArrivals()
        s.advance(to: SimTime(microseconds: t + 75_000_000))
        // Captures, refunds and payouts go on after arrivals stop; their
        // messages make the log busy now and then: wait for a quiet moment.
        var quiet = t + 75_000_000
        while !s.isQuiescent && quiet < t + 135_000_000 {
            quiet += 100_000
            s.advance(to: SimTime(microseconds: quiet))
            Thread.sleep(forTimeInterval: 0.005)
        }
        RedisSimulationTests.expectEveryTopupCreditedOnce(s, cardBefore: cardBefore)
        #expect(log.refusals == 0, "\(log.lastRefusal ?? "")")
        #expect((cache.removeOwnKeys() ?? -1) >= 0 && log.removeOwnKeys() != nil)
    }

    @Test func theLocalBufferIsBoundedAndRefusesTopupsRatherThanLoseThem() throws {
        let server = try RedisServer()
        let log = try RedisStreamLog(url: RedisSimulationTests.url(server), runID: "bound")
        var config = SimulationConfig()
        config.baseRateTPS = 400
        config.logBufferLimit = 300
        let s = Simulation(config: config, log: log)
        let cardBefore = RedisSimulationTests.cardTotal(s)
        s.advance(to: SimTime(microseconds: 5_000_000))
        server.kill()
        s.advance(to: SimTime(microseconds: 15_000_000))
        let down = s.snapshot()
        #expect(down.log.unsent >= 300 && down.log.unsent < 300 + 200, "held up to the bound, plus top-ups already charged: \(down.log.unsent)")
        #expect(down.log.dropped > 0, "notifications past the bound are dropped and counted")
        #expect(down.events.contains { $0.message.hasPrefix("message log buffer full (300 messages unsent)") })
        let failedWhileFull = down.workload(.topup).stats.failed
        #expect(failedWhileFull > 100, "new top-ups are refused while the buffer is full")
        try server.start()
        let t = RedisSimulationTests.advanceUntilReconnected(s, log: log)
        #expect(s.snapshot().log.unsent == 0)
        s.closeArrivals()
        s.advance(to: SimTime(microseconds: t + 60_000_000))
        RedisSimulationTests.expectEveryTopupCreditedOnce(s, cardBefore: cardBefore)
        _ = log.removeOwnKeys()
    }
}
