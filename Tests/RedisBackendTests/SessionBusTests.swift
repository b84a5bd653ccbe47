import Foundation
import PaySim
import Testing
import TestSupport
@testable import RedisBackend

/// The session bus on a private redis-server: what the server publishes a
/// console reads back; commands arrive in the order Redis took them; a
/// lost Redis costs a bounded backlog, said out loud.
@Suite(.serialized) struct SessionBusTests {
    static func record(_ name: String) -> SessionRecord {
        SessionRecord(name: name, seed: 1, flags: "--seed 1", drill: nil, started: "2026-11-29T00:00:00Z", speed: 1, state: "running",
                      fps: 10, nodes: 6, shards: 4, heartbeatMillis: wallMillis(), expiresInSeconds: 60)
    }

    static func frame(_ sim: Simulation, _ n: Int64, commandID: String? = nil) -> SessionFrame {
        SessionFrame(sequence: n, publishedMillis: wallMillis(), speed: 1, achievedSpeed: 1, state: "running",
                     lastCommandID: commandID, eventsLogged: sim.eventsLogged, live: sim.snapshot())
    }

    @Test func whatTheServerPublishesAConsoleReadsBack() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let url = try RedisURL.parse(redis.url)
        let server = try SessionServerBus(url: url, record: SessionBusTests.record("s1"))
        let sim = Simulation(config: SimulationConfig())
        sim.eventObserver = { server.event($0) }
        sim.advance(to: SimTime(microseconds: 12_000_000))
        try sim.apply(.failNode(2))
        #expect(server.publish(frame: SessionBusTests.frame(sim, 1), flow: sim.snapshot().flow))
        let client = try SessionClient(url: RedisURL(user: nil, host: "127.0.0.1", port: redis.port), session: "s1")
        #expect(client.poll())
        let s = try #require(client.snapshot)
        #expect(s.time == sim.now)
        #expect(s.nodes.map(\.state) == sim.snapshot().nodes.map(\.state))
        #expect(s.events.map(\.message) == sim.snapshot().events.map(\.message), "the event log, through its stream")
        #expect(s.flow.map(\.seconds) == sim.snapshot().flow.map(\.seconds))
        #expect(!client.poll(), "no new frame, nothing new")
        // A console that fell behind reads only the newest frame and counts the rest.
        for n in 2...6 {
            sim.advance(to: SimTime(microseconds: 12_000_000 + Int64(n) * 100_000))
            server.publish(frame: SessionBusTests.frame(sim, Int64(n)), flow: sim.snapshot().flow)
        }
        #expect(client.poll())
        #expect(client.frame?.sequence == 6)
        #expect(client.framesSkipped == 4)
    }

    @Test func commandsArriveInTheOrderRedisTookThemInTheirUsersNames() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let server = try SessionServerBus(url: try RedisURL.parse(redis.url), record: SessionBusTests.record("s2"))
        let c = try RedisConnection(url: RedisURL(host: "127.0.0.1", port: redis.port))
        let keys = SessionKeys("s2")
        for (user, text) in [("ana", "drain node-1"), ("bo", "crash shard-2"), ("ana", "rate 1500")] {
            _ = try c.command(["XADD", keys.commands(user), "*", "kind", "command", "text", text, "via", "prompt"])
            Thread.sleep(forTimeInterval: 0.003)
        }
        _ = try c.command(["XADD", keys.control("fac"), "*", "kind", "control", "text", "pause", "via", "key"])
        // A stream named past a user's segment is no user's.
        _ = try c.command(["XADD", keys.commands("bo:commands:ana"), "*", "kind", "command", "text", "crash shard-1", "via", "prompt"])
        let got = server.readCommands()
        #expect(got.map(\.user) == ["ana", "bo", "ana", "fac"])
        #expect(got.map(\.text) == ["drain node-1", "crash shard-2", "rate 1500", "pause"])
        #expect(got.map(\.kind) == [.command, .command, .command, .control])
        #expect(server.readCommands().isEmpty, "each is read once")
    }

    @Test func aLostRedisCostsABoundedBacklogThatIsReported() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let server = try SessionServerBus(url: try RedisURL.parse(redis.url), record: SessionBusTests.record("s3"))
        let sim = Simulation(config: SimulationConfig())
        redis.kill()
        for i in 0..<(SessionServerBus.backlogLimit + 50) {
            server.event(SimLogEntry(time: .zero, severity: .info, message: "event \(i)"))
        }
        #expect(!server.publish(frame: SessionBusTests.frame(sim, 1), flow: []))
        #expect(!server.isUp)
        try redis.start()
        // The link is tried again at most once a second.
        var published = false
        for _ in 0..<30 where !published {
            Thread.sleep(forTimeInterval: 0.1)
            published = server.publish(frame: SessionBusTests.frame(sim, 2), flow: [])
        }
        #expect(published)
        let dropped = try #require(server.takeDropped())
        #expect(dropped.events == 50 && dropped.frames >= 1)
        #expect(server.takeDropped() == nil, "reported once")
        let c = try RedisConnection(url: RedisURL(host: "127.0.0.1", port: redis.port))
        #expect(try c.command(["XLEN", SessionKeys("s3").events]) != .integer(0))
    }
}
