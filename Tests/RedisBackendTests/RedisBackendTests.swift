import Foundation
import Testing
import PaySim
import TestSupport
@testable import RedisBackend

@Suite struct RedisURLTests {
    @Test func parsesEveryPart() throws {
        #expect(try RedisURL.parse("redis://127.0.0.1:6379") == RedisURL(host: "127.0.0.1", port: 6379, db: 0))
        #expect(try RedisURL.parse("redis://cache-1:7000/3") == RedisURL(host: "cache-1", port: 7000, db: 3))
        #expect(try RedisURL.parse("redis://ops:s3cret@h:1/2") == RedisURL(user: "ops", password: "s3cret", host: "h", port: 1, db: 2))
        #expect(try RedisURL.parse("redis://:p%w@h:1") == RedisURL(password: "p%w", host: "h", port: 1))
    }

    @Test func passwordFromTheEnvironmentWhenTheURLHasNone() throws {
        let env = ["PAYOPS_REDIS_PASSWORD": "fromenv"]
        #expect(try RedisURL.parse("redis://h:1", environment: env).password == "fromenv")
        #expect(try RedisURL.parse("redis://u@h:1", environment: env) == RedisURL(user: "u", password: "fromenv", host: "h", port: 1))
        #expect(try RedisURL.parse("redis://:inurl@h:1", environment: env).password == "inurl")
    }

    @Test func thePasswordIsNeverShown() throws {
        let u = try RedisURL.parse("redis://ops:s3cret@h:1/2")
        #expect(u.description == "redis://ops:***@h:1/2")
        #expect(!"\(u)".contains("s3cret"))
        #expect(try RedisURL.parse("redis://h:1").description == "redis://h:1/0")
    }

    @Test(arguments: [
        ("http://h:1", "unsupported scheme"), ("rediss://h:1", "unsupported scheme"), ("h:1", "missing redis:// scheme"),
        ("redis://h", "missing :port"), ("redis://:1", "missing host"), ("redis://h:0", "port '0'"), ("redis://h:99999", "port '99999'"),
        ("redis://h:x", "port 'x'"), ("redis://h:1/-1", "database '-1'"), ("redis://h:1/db", "database 'db'"), ("redis://h i:1", "not a host"),
    ])
    func badURLsSayWhatIsWrongAndWhatIsValid(text: String, reason: String) {
        do {
            _ = try RedisURL.parse(text)
            Issue.record("parsed \(text)")
        } catch {
            #expect(error.reason.contains(reason), "\(error)")
            #expect(error.description.contains("redis://[user[:password]@]host:port[/db]"))
        }
    }
}

@Suite(.serialized) struct RedisServerTests {
    @Test func requirepassWithoutAndWithAWrongPasswordGiveClearErrors() throws {
        let server = try RedisServer(password: "right")
        do {
            _ = try RedisConnection(url: RedisURL(host: "127.0.0.1", port: server.port))
            Issue.record("connected without a password")
        } catch {
            #expect(error.kind == .authentication)
            #expect(error.description == "Redis at 127.0.0.1:\(server.port) refused the login: a password is required (put it in the URL or PAYOPS_REDIS_PASSWORD)")
        }
        do {
            _ = try RedisConnection(url: RedisURL(password: "wrong", host: "127.0.0.1", port: server.port))
            Issue.record("connected with a wrong password")
        } catch {
            #expect(error.kind == .authentication)
            #expect(error.description.hasSuffix("refused the login: wrong user name or password"))
            #expect(!error.description.contains("wrong\""))
        }
        let ok = try RedisConnection(url: RedisURL(password: "right", host: "127.0.0.1", port: server.port))
        #expect(try ok.command(["PING"]) == .status("PONG"))
    }

    @Test func aDatabaseOutOfRangeIsNamed() throws {
        let server = try RedisServer()
        do {
            _ = try RedisConnection(url: RedisURL(host: "127.0.0.1", port: server.port, db: 999))
            Issue.record("selected db 999")
        } catch {
            #expect(error.kind == .database)
            #expect(error.description.contains("db 999"))
        }
    }

    @Test func pipelineAnswersInOrder() throws {
        let server = try RedisServer()
        let c = try RedisConnection(url: RedisURL(host: "127.0.0.1", port: server.port))
        let replies = try c.pipeline([["SET", "a", "1"], ["INCR", "a"], ["GET", "a"], ["GET", "nope"], ["LPUSH"]])
        #expect(replies[0] == .status("OK"))
        #expect(replies[1] == .integer(2))
        #expect(replies[2] == .string("2"))
        #expect(replies[3] == .null)
        if case .error = replies[4] {} else { Issue.record("expected an error reply") }
    }

    @Test func aLargeRoundGoesOutInChunksAndAnswersInOrder() throws {
        let server = try RedisServer()
        let pipe = try RedisPipe(url: RedisURL(host: "127.0.0.1", port: server.port))
        var slots: [Int] = []
        for i in 0..<1_000 {
            pipe.buffer.add("SET")
            pipe.buffer.add("k\(i)")
            pipe.buffer.append(Int64(i * 7 - 3_000))
            pipe.buffer.endArgument()
            pipe.buffer.endCommand()
            pipe.heldCommandDiscardingReply()
            pipe.buffer.add("GET")
            pipe.buffer.add("k\(i)")
            pipe.buffer.endCommand()
            slots.append(pipe.heldCommandExpectingInteger())
        }
        var pong: RedisReply?
        pipe.send(["PING"]) { pong = $0 }
        #expect(pipe.roundTrips == 0 && pong == nil, "replies are only handed out when the round is complete")
        pipe.flush()
        #expect(pong == .status("PONG"))
        #expect(pipe.roundTrips == 1 && pipe.commandsSent == 2_001)
        #expect(slots.enumerated().allSatisfy { pipe.integers[$0.element] == Int64($0.offset * 7 - 3_000) })
        // The next round starts its own integers.
        pipe.buffer.add("GET")
        pipe.buffer.add("missing")
        pipe.buffer.endCommand()
        #expect(pipe.heldCommandExpectingInteger() == 0)
        pipe.flush()
        #expect(pipe.integers == [nil])
    }

    @Test func cacheTierHitsAndMissesAgreeWithTheServersOwnCounts() throws {
        let server = try RedisServer()
        let tier = try RedisCacheTier(url: RedisURL(host: "127.0.0.1", port: server.port), runID: "t1", capacity: 1_000)
        for i in 0..<50 { tier.set(CacheKey(.account, Int64(i)), value: Int64(i * 10), ttl: .seconds(60), now: 0) }
        var hits = 0
        for i in 0..<80 { if tier.get(CacheKey(.account, Int64(i)), now: 0) == Int64(i * 10) { hits += 1 } }
        let batch = tier.getMany((60..<100).map { CacheKey(.merchant, Int64($0)) } + [CacheKey(.account, 3)], now: 0)
        #expect(batch.last == 30 && batch.dropLast().allSatisfy { $0 == nil })
        tier.refreshFigures()
        let counted = Dictionary(uniqueKeysWithValues: tier.serverCounters.map { ($0.name, $0.value) })
        #expect(hits == 50)
        let total = tier.stats.total
        #expect(total.hits == 51 && total.misses == 70)
        #expect(counted["keyspace_hits"] == total.hits)
        #expect(counted["keyspace_misses"] == total.misses)
        #expect(counted["used_memory", default: 0] > 0)
    }

    @Test func ttlIsSetInMilliseconds() throws {
        let server = try RedisServer()
        let tier = try RedisCacheTier(url: RedisURL(host: "127.0.0.1", port: server.port), runID: "ttl", capacity: 10)
        tier.set(CacheKey(.quote, 1), value: 5, ttl: .milliseconds(1_500), now: 0)
        tier.sync()
        let c = try RedisConnection(url: RedisURL(host: "127.0.0.1", port: server.port))
        guard case .integer(let pttl) = try c.command(["PTTL", "payops:ttl:cache:quote:1"]) else { Issue.record("no PTTL"); return }
        #expect(pttl > 1_000 && pttl <= 1_500)
    }

    @Test func ttlFollowsSimulatedTimeAtTheMeasuredPace() throws {
        let server = try RedisServer()
        let tier = try RedisCacheTier(url: RedisURL(host: "127.0.0.1", port: server.port), runID: "pace", capacity: 10)
        _ = tier.getMany([CacheKey(.quote, 1)], now: 0)
        Thread.sleep(forTimeInterval: 0.3)
        // Ten simulated seconds in about 0.3 wall seconds: a run far faster than real time.
        _ = tier.getMany([CacheKey(.quote, 1)], now: 10_000_000)
        #expect(tier.pace > 5, "\(tier.pace)")
        tier.set(CacheKey(.quote, 2), value: 5, ttl: .seconds(60), now: 10_000_000)
        tier.sync()
        let c = try RedisConnection(url: RedisURL(host: "127.0.0.1", port: server.port))
        guard case .integer(let pttl) = try c.command(["PTTL", "payops:pace:cache:quote:2"]) else { Issue.record("no PTTL"); return }
        let expected = 60_000 / tier.pace
        #expect(abs(Double(pttl) - expected) < 50, "PX \(pttl) ms for 60 s simulated at ×\(tier.pace)")
    }

    @Test func flushAndCleanupTouchOnlyOurPrefix() throws {
        let server = try RedisServer()
        let other = try RedisConnection(url: RedisURL(host: "127.0.0.1", port: server.port))
        #expect(try other.command(["SET", "someone:else", "keep"]) == .status("OK"))
        #expect(try other.command(["SET", "payops:other-run:cache:account:1", "keep"]) == .status("OK"))
        let tier = try RedisCacheTier(url: RedisURL(host: "127.0.0.1", port: server.port), runID: "mine", capacity: 100)
        for i in 0..<2_500 { tier.set(CacheKey(.account, Int64(i)), value: 1, ttl: .seconds(60), now: 0) }
        tier.flush()
        #expect(try other.command(["GET", "someone:else"]) == .string("keep"))
        #expect(try other.command(["GET", "payops:other-run:cache:account:1"]) == .string("keep"))
        #expect(try other.command(["KEYS", "payops:mine:*"]) == .array([]))
        tier.set(CacheKey(.merchant, 7), value: 1, ttl: .seconds(60), now: 0)
        #expect(tier.removeOwnKeys() == 1)
        #expect(try other.command(["KEYS", "payops:mine:*"]) == .array([]))
        #expect(try other.command(["DBSIZE"]) == .integer(2))
    }

    @Test func aLostServerMakesEveryReadAMissAndReconnectsWhenItReturns() throws {
        var server: RedisServer? = try RedisServer()
        let port = server!.port
        let tier = try RedisCacheTier(url: RedisURL(host: "127.0.0.1", port: port), runID: "lost", capacity: 100)
        tier.set(CacheKey(.account, 1), value: 9, ttl: .seconds(60), now: 0)
        #expect(tier.get(CacheKey(.account, 1), now: 0) == 9)
        server = nil
        #expect(tier.get(CacheKey(.account, 1), now: 0) == nil)
        #expect(!tier.isAvailable)
        #expect(tier.lastError?.kind == .connectionLost || tier.lastError?.kind == .unreachable)
        // Reads keep answering (as misses) while it is down.
        for _ in 0..<20 { #expect(tier.get(CacheKey(.account, 1), now: 0) == nil) }
        _ = server
    }
}
