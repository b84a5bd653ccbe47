import Foundation
import RedisBackend
import Testing
import TestSupport

extension Tag {
    /// Suites that take a minute or more.
    @Tag static var slow: Self
}

/// A team game day: one `payops serve`, consoles attached over a private
/// redis-server whose ACL (the README's users.acl) decides who may act.
@Suite(.serialized) struct TeamSessionTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("README.md")

    /// The README's users.acl block, and an admin the test uses to look at
    /// (and plant) keys outside what the roles may touch.
    static func aclFile(in dir: URL) throws -> String {
        let text = try String(contentsOf: readme, encoding: .utf8)
        let start = try #require(text.range(of: "```users.acl\n"), "README has no users.acl block")
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        let acl = String(text[start.upperBound..<end.lowerBound]) + "user admin on >admin-secret ~* &* +@all\n"
        let path = dir.appendingPathComponent("users.acl").path
        try acl.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A background `payops` with its output in files.
    final class Background {
        let process = Process()
        let out: URL, err: URL
        init(_ args: [String], environment: [String: String] = [:], dir: URL, name: String) throws {
            out = dir.appendingPathComponent("\(name).out")
            err = dir.appendingPathComponent("\(name).err")
            for f in [out, err] { try Data().write(to: f) }
            process.executableURL = PayopsProcess.binary
            process.arguments = args
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        var stdout: String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
        /// Waits for the exit (bounded); SIGKILL after `seconds`.
        func wait(seconds: Double) -> Int32 {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
            if process.isRunning {
                Issue.record("payops \(process.arguments ?? []) still running after \(seconds)s; killed")
                kill(process.processIdentifier, SIGKILL)
            }
            process.waitUntilExit()
            return process.terminationStatus
        }
        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("payops-team-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func sessionKeys(_ admin: RedisConnection, _ pattern: String) throws -> [String] {
        guard case .array(let keys) = try admin.command(["KEYS", pattern]) else { return [] }
        return keys.compactMap(\.string)
    }

    @Test func aTeamSharesOneSessionWithRolesRedisEnforces() throws {
        let dir = try TeamSessionTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Kept on disk, so a restart is a restart and not a fresh server.
        let redis = try RedisServer(appendOnly: true, aclFile: try TeamSessionTests.aclFile(in: dir))
        defer { redis.stop() }
        let adminURL = RedisURL(user: "admin", password: "admin-secret", host: "127.0.0.1", port: redis.port)
        _ = try RedisConnection(url: adminURL).command(["SET", "someone-elses:key", "kept"])
        let recording = dir.appendingPathComponent("gameday.jsonl").path
        let bus = { (user: String) in "redis://\(user)@127.0.0.1:\(redis.port)" }
        let server = try Background(["serve", "--bus", bus("facilitator"), "--session", "gd", "--seed", "7", "--keep-for", "10s",
                                     "--slo", "payment.p99 < 5s", "--record", recording],
                                    environment: ["PAYOPS_REDIS_PASSWORD": "change-me-facilitator"], dir: dir, name: "serve")
        // The session is listed once its record is written.
        var listed = ""
        for _ in 0..<50 where !listed.contains("gd ") {
            Thread.sleep(forTimeInterval: 0.1)
            listed = try PayopsProcess.run(["sessions", "redis://olga:change-me-olga@127.0.0.1:\(redis.port)"]).stdout
        }
        #expect(listed.contains("gd ") && listed.contains("running"), "payops sessions lists it:\n\(listed)")
        #expect(!listed.contains("change-me"), "no password is printed")

        func console(_ user: String) throws -> Tmux {
            try Tmux(width: 160, height: 48, command: "env PAYOPS_REDIS_PASSWORD=change-me-\(user) \(PayopsProcess.binary.path) attach --bus \(bus(user)) --session gd")
        }
        let facilitator = try console("facilitator"), ana = try console("ana"), olga = try console("olga")
        try facilitator.waitFor("facilitator@gd lag")
        try ana.waitFor("ana@gd lag")
        try olga.waitFor("OBSERVER")

        // The responder acts; every console shows it, in her name.
        try ana.keys(":")
        try ana.type("fail node-2")
        try ana.keys("Enter")
        for t in [facilitator, ana, olga] {
            try t.waitFor("ana (prompt): fail node-2")
            try t.waitFor("fail node-2 (ana)")
        }
        // The observer's key is refused, and says why.
        try olga.keys("d")
        try olga.waitFor("observer: 'drain node-1' not applied")
        // Nobody can write as someone else: the ACL refuses the stream.
        let asOlga = try RedisConnection(url: RedisURL(user: "olga", password: "change-me-olga", host: "127.0.0.1", port: redis.port))
        let asAna = try RedisConnection(url: RedisURL(user: "ana", password: "change-me-ana", host: "127.0.0.1", port: redis.port))
        for (c, key) in [(asOlga, "commands:olga"), (asOlga, "commands:ana"), (asAna, "commands:olga"), (asAna, "control:ana"), (asAna, "snapshots")] {
            let r = try c.command(["XADD", "payops:session:gd:\(key)", "*", "kind", "command", "text", "crash shard-1"])
            guard case .error(let e) = r, e.hasPrefix("NOPERM") else {
                Issue.record("\(key) accepted a forged write: \(r)")
                continue
            }
        }
        // A responder may not pause the session: that is the facilitator's.
        try ana.keys("Space")
        try ana.waitFor("belong to its facilitator")

        // Redis dies and comes back: every console says so, then recovers.
        redis.kill()
        for t in [facilitator, ana, olga] { try t.waitFor("bus lost, reconnecting") }
        try redis.start()
        try facilitator.waitFor("facilitator@gd lag", seconds: 20)
        try ana.waitFor("ana@gd lag", seconds: 20)
        try olga.waitFor("olga@gd lag", seconds: 20)
        try facilitator.waitFor("bus back", seconds: 20)

        // The facilitator ends it: the consoles keep the last screen and say so.
        try facilitator.keys(":")
        try facilitator.type("session stop")
        try facilitator.keys("Enter")
        for t in [facilitator, ana, olga] { try t.waitFor("session gd ended", seconds: 30) }
        #expect(server.wait(seconds: 60) == 0, "serve exits 0:\n\(server.stderr)")
        #expect(server.stderr.contains("ended: stopped by facilitator"), "\(server.stderr)")
        #expect(!server.stderr.contains("change-me"), "no password is printed")
        try ana.keys("q")

        // The server's recording replays to the same report.
        let replay = try PayopsProcess.run(["replay", recording, "--check"])
        #expect(replay.status == 0, "replay --check: \(replay.stdout)\(replay.stderr)")
        let lines = try String(contentsOfFile: recording, encoding: .utf8)
        #expect(lines.contains(#""who":"ana""#) && lines.contains(#""command":"fail node-2""#))

        // The keys expire after --keep-for; a key that is not the session's stays.
        let admin = try RedisConnection(url: adminURL)
        #expect(!(try TeamSessionTests.sessionKeys(admin, "payops:session:gd:*")).isEmpty)
        let ttl = try admin.command(["TTL", "payops:session:gd:record"])
        #expect({ if case .integer(let t) = ttl { return t > 0 && t <= 10 } else { return false } }(), "record TTL \(ttl)")
        var left = ["?"]
        for _ in 0..<150 where !left.isEmpty {
            Thread.sleep(forTimeInterval: 0.1)
            left = try TeamSessionTests.sessionKeys(admin, "payops:session:gd:*")
        }
        #expect(left.isEmpty, "keys left after the TTL: \(left)")
        #expect(try admin.command(["GET", "someone-elses:key"]) == .string("kept"))
    }

    @Test func badSessionsAndCredentialsAreOneLineEach() throws {
        let dir = try TeamSessionTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let redis = try RedisServer(aclFile: try TeamSessionTests.aclFile(in: dir))
        defer { redis.stop() }
        let url = { (user: String, pass: String) in "redis://\(user):\(pass)@127.0.0.1:\(redis.port)" }
        func refused(_ args: [String], _ expected: String) throws {
            let r = try PayopsProcess.run(args)
            #expect(r.status == 2, "\(args): exit \(r.status)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && r.stderr.contains(expected), "\(args):\n\(r.stderr)")
            #expect(!r.stderr.contains("change-me"), "a password was printed: \(r.stderr)")
        }
        try refused(["attach", "--bus", url("ana", "change-me-ana"), "--session", "nope", "--headless"], "no session 'nope'")
        try refused(["attach", "--bus", url("ana", "wrong"), "--session", "gd", "--headless"], "wrong user name or password")
        try refused(["serve", "--bus", url("olga", "change-me-olga"), "--session", "gd"], "does not let user 'olga' serve a session")
        try refused(["serve", "--bus", url("facilitator", "change-me-facilitator"), "--session", "a:b"], "':' cannot be in a session name")
        try refused(["attach", "--bus", "http://127.0.0.1:\(redis.port)", "--session", "gd"], "--bus")
        // A session published by another wire version is refused, not misread.
        let admin = try RedisConnection(url: RedisURL(user: "admin", password: "admin-secret", host: "127.0.0.1", port: redis.port))
        _ = try admin.command(["HSET", "payops:session:old:record", "name", "old", "version", "99"])
        try refused(["attach", "--bus", url("ana", "change-me-ana"), "--session", "old", "--headless"], "wire version 99")
        // Two servers cannot run the same session.
        let first = try Background(["serve", "--bus", url("facilitator", "change-me-facilitator"), "--session", "twice"], dir: dir, name: "first")
        Thread.sleep(forTimeInterval: 1.5)
        try refused(["serve", "--bus", url("facilitator", "change-me-facilitator"), "--session", "twice"], "already running")
        kill(first.process.processIdentifier, SIGTERM)
        #expect(first.wait(seconds: 30) == 0)
        #expect(first.stderr.contains("stopped by SIGTERM"), "\(first.stderr)")
    }

    /// A server killed outright cannot end its session: its keys still
    /// expire (renewed while it lived), and the listing says it is gone.
    @Test func aKilledServerLeavesKeysThatExpireAndIsListedGone() throws {
        let dir = try TeamSessionTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let redis = try RedisServer()
        defer { redis.stop() }
        let server = try Background(["serve", "--bus", redis.url, "--session", "crash", "--keep-for", "30s"], dir: dir, name: "serve")
        Thread.sleep(forTimeInterval: 1.5)
        kill(server.process.processIdentifier, SIGKILL)
        _ = server.wait(seconds: 10)
        let c = try RedisConnection(url: RedisURL(host: "127.0.0.1", port: redis.port))
        for key in try TeamSessionTests.sessionKeys(c, "payops:session:crash:*") {
            let ttl = try c.command(["TTL", key])
            #expect({ if case .integer(let t) = ttl { return t > 0 && t <= 30 + 120 } else { return false } }(), "\(key) TTL \(ttl)")
        }
        Thread.sleep(forTimeInterval: 5.5)
        let listed = try PayopsProcess.run(["sessions", redis.url]).stdout
        #expect(listed.contains("gone (no heartbeat"), "\(listed)")
        // Its name can be served again.
        let again = try Background(["serve", "--bus", redis.url, "--session", "crash"], dir: dir, name: "again")
        Thread.sleep(forTimeInterval: 1.5)
        kill(again.process.processIdentifier, SIGTERM)
        #expect(again.wait(seconds: 30) == 0, "\(again.stderr)")
    }

    /// Twenty consoles without a screen on one server for a minute: every
    /// one keeps up and sees a command's effect within 300 ms.
    @Test(.tags(.slow)) func twentyConsolesKeepUpWithOneServer() throws {
        let dir = try TeamSessionTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let redis = try RedisServer()
        defer { redis.stop() }
        let server = try Background(["serve", "--bus", redis.url, "--session", "load", "--rate", "1000"], dir: dir, name: "serve")
        Thread.sleep(forTimeInterval: 1)
        let seconds = 60
        let consoles = try (0..<20).map { i in
            try Background(["attach", "--bus", redis.url, "--session", "load", "--headless", "--duration", "\(seconds)s"]
                           + (i == 0 ? ["--probe-every", "2s"] : []), dir: dir, name: "attach-\(i)")
        }
        var frames: [Int] = [], skipped: [Int] = [], bandwidth: [Double] = [], p50: [Double] = [], p99: [Double] = [], lag: [Double] = []
        for (i, c) in consoles.enumerated() {
            #expect(c.wait(seconds: Double(seconds) + 30) == 0, "console \(i): \(c.stderr)")
            struct Stats: Decodable {
                var frames: Int, skipped: Int, bytes_per_second: Double, commands_seen: Int, lag_ms_p99: Double
                var visible_ms_p50: Double?, visible_ms_p99: Double?
            }
            guard let s = try? JSONDecoder().decode(Stats.self, from: Data(c.stdout.utf8)) else {
                Issue.record("console \(i) printed no stats: \(c.stdout) \(c.stderr)")
                continue
            }
            frames.append(s.frames); skipped.append(s.skipped); bandwidth.append(s.bytes_per_second); lag.append(s.lag_ms_p99)
            #expect(s.commands_seen >= seconds / 2 - 3, "console \(i) saw \(s.commands_seen) commands")
            if let a = s.visible_ms_p50, let b = s.visible_ms_p99 { p50.append(a); p99.append(b) }
        }
        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.wait(seconds: 30) == 0)
        // Frames at 10 a second; a console that fell behind would skip many.
        #expect(frames.allSatisfy { $0 >= seconds * 10 * 9 / 10 }, "frames per console: \(frames)")
        #expect(skipped.allSatisfy { $0 <= seconds * 10 / 20 }, "skipped per console: \(skipped)")
        #expect(lag.allSatisfy { $0 <= 250 }, "publication-to-arrival p99 ms per console: \(lag)")
        #expect(p99.count == 20 && p99.allSatisfy { $0 <= 300 }, "command-to-screen p99 ms per console: \(p99)")
        let pace = server.stderr.split(separator: "\n").first { $0.contains("on pace:") }.map(String.init) ?? ""
        let percent = Double(pace.split(separator: " ").first { $0.hasSuffix("%") }?.dropLast() ?? "") ?? 0
        #expect(percent >= 97, "the server kept its pace: \(pace)")
        print("load: 20 consoles, frames \(frames.min() ?? 0)–\(frames.max() ?? 0), skipped ≤ \(skipped.max() ?? 0), "
              + "bandwidth \(Int((bandwidth.reduce(0, +) / Double(max(1, bandwidth.count))) / 1_024)) KiB/s per console, "
              + "frame lag p99 ≤ \(lag.max() ?? 0) ms, command-to-screen p50 \(p50.sorted().dropFirst(p50.count / 2).first ?? 0) ms, p99 max \(p99.max() ?? 0) ms; \(pace)")
    }
}
