import Foundation
import Testing
import RedisBackend
import TestSupport

/// `payops run` against private redis-servers: the flags, the clear
/// refusals, the password that never shows, and the keys it removes on
/// every way out.
@Suite(.serialized) struct RedisEndToEndTests {
    static func keys(_ server: RedisServer, _ pattern: String = "payops:*", password: String? = nil) throws -> [String] {
        let c = try RedisConnection(url: RedisURL(password: password, host: "127.0.0.1", port: server.port))
        guard case .array(let names) = try c.command(["KEYS", pattern]) else { return [] }
        return names.compactMap(\.string).sorted()
    }

    @Test func unreachableAndMalformedURLsAreOneLineAndExitTwo() throws {
        let port = RedisServer.freePort()
        let r = try PayopsProcess.run(["run", "--duration", "1s", "--cache", "redis://127.0.0.1:\(port)"])
        #expect(r.status == 2)
        #expect(r.stderr == "payops: --cache: cannot reach Redis at 127.0.0.1:\(port): Connection refused\n", "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        let q = try PayopsProcess.run(["run", "--duration", "1s", "--queue", "http://127.0.0.1:6379"])
        #expect(q.status == 2)
        #expect(q.stderr.hasPrefix("payops: --queue: unsupported scheme (only redis:// is supported; no TLS) at character 1; expected redis://"))
        #expect(q.stderr.split(separator: "\n").count == 1)
        let p = try PayopsProcess.run(["run", "--duration", "1s", "--cache", "redis://127.0.0.1:70000"])
        #expect(p.status == 2 && p.stderr.contains("port '70000' is not 1...65535"))
    }

    @Test func aPasswordIsRequiredCheckedAndNeverShown() throws {
        let server = try RedisServer(password: "s3cret")
        let url = "redis://127.0.0.1:\(server.port)/0"
        let none = try PayopsProcess.run(["run", "--duration", "1s", "--cache", url])
        #expect(none.status == 2)
        #expect(none.stderr == "payops: --cache: Redis at 127.0.0.1:\(server.port) refused the login: a password is required (put it in the URL or PAYOPS_REDIS_PASSWORD)\n")
        var env = ProcessInfo.processInfo.environment
        env["PAYOPS_REDIS_PASSWORD"] = "wrong"
        let wrong = try PayopsProcess.run(["run", "--duration", "1s", "--queue", url], environment: env)
        #expect(wrong.status == 2)
        #expect(wrong.stderr.hasSuffix("refused the login: wrong user name or password\n"))
        #expect(!wrong.stderr.contains("wrong\n") || wrong.stderr.hasSuffix("password\n"))
        let ok = try PayopsProcess.run(["run", "--duration", "2s", "--json", "--cache", "redis://:s3cret@127.0.0.1:\(server.port)/0", "--queue", url],
                                       environment: env.merging(["PAYOPS_REDIS_PASSWORD": "s3cret"]) { $1 })
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("\"backend\" : \"redis://:***@127.0.0.1:\(server.port)/0\""))
        #expect(ok.stdout.contains("\"queue_backend\" : \"redis://:***@127.0.0.1:\(server.port)/0\""))
        #expect(!ok.stdout.contains("s3cret") && !ok.stderr.contains("s3cret"))
        #expect(try RedisEndToEndTests.keys(server, password: "s3cret").isEmpty)
        let db = try PayopsProcess.run(["run", "--duration", "1s", "--cache", "redis://:s3cret@127.0.0.1:\(server.port)/99"])
        #expect(db.status == 2)
        #expect(db.stderr == "payops: --cache: Redis at 127.0.0.1:\(server.port) refused the database: db 99: ERR DB index is out of range\n", "\(db.stderr)")
    }

    @Test func aRunOnRedisIsBalancedAndLeavesOnlyOtherPeoplesKeys() throws {
        let server = try RedisServer()
        let admin = try RedisConnection(url: RedisURL(host: "127.0.0.1", port: server.port))
        #expect(try admin.command(["SET", "payments:prod:owner", "someone"]) == .status("OK"))
        let r = try PayopsProcess.run(["run", "--duration", "10s", "--json", "--cache", server.url, "--queue", server.url])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((json["ledger"] as? [String: Any])?["balanced"] as? Bool == true)
        #expect(json["queue_backend"] as? String == server.url)
        let cache = try #require(json["cache"] as? [String: Any])
        #expect(cache["backend"] as? String == server.url)
        let counted = try #require(cache["server"] as? [String: Any])
        #expect((counted["keyspace_hits"] as? Int ?? 0) >= (cache["hits"] as? Int ?? -1), "the server saw at least our hits (the streams' reads count too)")
        #expect((cache["hits"] as? Int ?? 0) > 1_000)
        let queues = try #require(json["queues"] as? [[String: Any]])
        #expect(queues.allSatisfy { $0["lag"] as? Int == 0 }, "every message consumed")
        #expect(try RedisEndToEndTests.keys(server).isEmpty, "the run's keys are gone")
        #expect(try admin.command(["GET", "payments:prod:owner"]) == .string("someone"))
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalMidRunStillRemovesTheRunsKeys(signal: Int32) throws {
        let server = try RedisServer()
        let p = Process()
        p.executableURL = PayopsProcess.binary
        p.arguments = ["run", "--duration", "1h", "--cache", server.url, "--queue", server.url]
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(20)
        var seen: [String] = []
        while Date() < deadline {
            seen = try RedisEndToEndTests.keys(server)
            if seen.contains(where: { $0.contains(":cache:") }) && seen.contains(where: { $0.contains(":log:") }) { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(seen.contains { $0.contains(":cache:") } && seen.contains { $0.contains(":log:") }, "the run wrote keys: \(seen.prefix(3))")
        kill(p.processIdentifier, signal)
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 128 + signal)
        let text = String(decoding: stderr, as: UTF8.self)
        #expect(text.hasPrefix("payops: stopped by \(signal == SIGTERM ? "SIGTERM" : "SIGINT") at "), "\(text)")
        #expect(try RedisEndToEndTests.keys(server).isEmpty, "the run's keys are gone")
    }

    @Test func theConsoleShowsRedisGoingDownAndComingBack() throws {
        let server = try RedisServer()
        let t = try Tmux(width: 160, height: 48, command: ConsoleEndToEndTests.command("--cache \(server.url) --queue \(server.url)"))
        try t.waitFor("cache+log \(server.url)")
        try t.wait("the server's own counters") { $0.contains("server Σ hits ") && $0.contains(" mem ") && $0.contains("ours Σ hits ") }
        server.kill()
        try t.wait("both DOWN in the header", seconds: 20) { $0.contains("cache DOWN") && $0.contains("log DOWN") }
        try t.waitFor("Queues: log DOWN, ")
        let down = try t.waitFor("every read is a miss")
        #expect(down.contains("DOWN: "))
        try server.start()
        try t.waitFor("cache back on", seconds: 20)
        try t.waitFor("message log back on", seconds: 20)
        try t.wait("the header clear again") { !$0.split(separator: "\n")[0].contains("DOWN") && $0.contains("Queues on Redis Streams") }
        try t.keys("q")
        try t.waitFor("EXIT=0")
        #expect(try RedisEndToEndTests.keys(server).isEmpty, "the console removed its keys on quitting")
    }

    @Test func theConsoleRefusesAnUnreachableServerBeforeTakingTheScreenAndCleansUpOnSigterm() throws {
        let closed = RedisServer.freePort()
        let refused = try Tmux(width: 100, height: 30, command: ConsoleEndToEndTests.command("--queue redis://127.0.0.1:\(closed)"))
        // A command that ends at once can race the pane's first layout and
        // leave its first lines above the screen: read them too.
        let text = try refused.waitFor("EXIT=2", history: true)
        #expect(text.contains("payops: --queue: cannot reach Redis at 127.0.0.1:\(closed): Connection refused"))

        let server = try RedisServer()
        let (t, pid) = try ConsoleEndToEndTests.consoleWithPID("redis-console", args: " --cache \(server.url) --queue \(server.url)")
        try t.waitFor("Queues on Redis Streams")
        try t.wait("keys written") { _ in (try? RedisEndToEndTests.keys(server).contains { $0.contains(":log:") }) == true }
        #expect(kill(pid, SIGTERM) == 0)
        try t.waitFor("EXIT=0")
        #expect(try RedisEndToEndTests.keys(server).isEmpty, "SIGTERM still removes the console's keys")
    }

    @Test func aRunWaitsForAServerThatHangsAtTheEndThenCreditsEverything() throws {
        let server = try RedisServer()
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("payops-\(getpid())-\(UUID().uuidString).err")
        try #require(FileManager.default.createFile(atPath: errURL.path, contents: nil))
        defer { try? FileManager.default.removeItem(at: errURL) }
        let p = Process()
        p.executableURL = PayopsProcess.binary
        p.arguments = ["run", "--duration", "20s", "--json", "--cache", server.url, "--queue", server.url]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: errURL)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, (try? RedisEndToEndTests.keys(server).contains { $0.contains(":log:") }) != true {
            Thread.sleep(forTimeInterval: 0.05)
        }
        // Hung, not gone: connections are accepted and nothing is answered.
        server.pause()
        var stderr = ""
        while Date() < deadline && !stderr.contains("waiting up to 30 s") {
            Thread.sleep(forTimeInterval: 0.1)
            stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        }
        #expect(stderr.contains("payops: a Redis backend is down at the end of the run ("), "\(stderr)")
        server.resume()
        let report = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: report) as? [String: Any])
        #expect((json["ledger"] as? [String: Any])?["balanced"] as? Bool == true)
        let queues = try #require(json["queues"] as? [[String: Any]])
        #expect(queues.allSatisfy { $0["lag"] as? Int == 0 }, "every held message delivered: \(queues)")
        let topup = try #require((json["workloads"] as? [String: Any])?["topup"] as? [String: Any])
        let submitted = topup["submitted"] as? Int ?? -1
        let ended = ["committed", "declined", "aborted", "failed"].reduce(0) { $0 + (topup[$1] as? Int ?? 0) }
        #expect(ended == submitted, "every top-up ended: credited, declined or refused")
        #expect(try RedisEndToEndTests.keys(server).isEmpty)
    }

    /// A run killed with SIGKILL cannot clean up: every key it wrote has an
    /// expiry, and `payops cleanup` tells its keys from a live run's and
    /// removes them, touching nothing else.
    @Test func aKilledRunsKeysExpireAndCleanupRemovesThem() throws {
        let server = try RedisServer()
        let admin = try RedisConnection(url: RedisURL(host: "127.0.0.1", port: server.port))
        _ = try admin.command(["SET", "someone:else", "keep"])
        let p = Process()
        p.executableURL = PayopsProcess.binary
        p.arguments = ["run", "--duration", "10m", "--cache", server.url, "--queue", server.url]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, (try? RedisEndToEndTests.keys(server, "payops:*:alive").isEmpty) != false { Thread.sleep(forTimeInterval: 0.05) }
        let heartbeat = try #require(try RedisEndToEndTests.keys(server, "payops:*:alive").first)
        let runID = String(heartbeat.split(separator: ":")[1])
        let alive = try PayopsProcess.run(["cleanup", server.url])
        #expect(alive.status == 0 && alive.stdout.contains("\(runID)  ") && alive.stdout.contains("alive (pid \(p.processIdentifier))"), "\(alive.stdout)")
        let refused = try PayopsProcess.run(["cleanup", server.url, "--run", runID])
        #expect(refused.status == 2 && refused.stderr.contains("run \(runID) is alive"), "\(refused.stderr)")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        // Every key it left expires by itself.
        let left = try RedisEndToEndTests.keys(server)
        #expect(left.count > 24)
        for key in left {
            guard case .integer(let ms) = try admin.command(["PTTL", key]) else { Issue.record("PTTL \(key)"); continue }
            // -2: it already expired (cache entries can be short); -1 would be a key that never does.
            #expect(ms != -1 && ms <= 3_600_000, "\(key) expires in \(ms) ms")
        }
        guard case .integer(let beat) = try admin.command(["PTTL", heartbeat]) else { Issue.record("PTTL"); return }
        #expect(beat <= 30_000, "the heartbeat outlives the run by at most 30 s")
        // Once the heartbeat has expired (removed here rather than waited for), the run is stale.
        _ = try admin.command(["DEL", heartbeat])
        let listed = try PayopsProcess.run(["cleanup", server.url])
        #expect(listed.stdout.contains("\(runID)  ") && listed.stdout.contains("stale") && listed.stdout.contains("--stale"), "\(listed.stdout)")
        let removed = try PayopsProcess.run(["cleanup", server.url, "--stale"])
        #expect(removed.status == 0 && removed.stdout.contains("of run \(runID)"), "\(removed.stdout)")
        #expect(try RedisEndToEndTests.keys(server).isEmpty)
        #expect(try admin.command(["GET", "someone:else"]) == .string("keep"))
        let bad = try PayopsProcess.run(["cleanup", server.url, "--run", "*"])
        #expect(bad.status == 2 && bad.stderr.contains("is not a run id"))
    }
}
