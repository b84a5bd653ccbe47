import Foundation
import Testing

@Suite struct RunCommandTests {
    @Test func jsonReportHasTheStableFieldsAndIsByteIdenticalAcrossRuns() throws {
        let args = ["run", "--duration", "20s", "--seed", "42", "--json"]
        let a = try PayopsProcess.run(args)
        let b = try PayopsProcess.run(args)
        #expect(a.status == 0, "\(a.stderr)")
        #expect(a.stdout == b.stdout)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(a.stdout.utf8)) as? [String: Any])
        let workloads = try #require(json["workloads"] as? [String: Any])
        for name in ["payment", "topup", "trade"] {
            let w = try #require(workloads[name] as? [String: Any])
            for key in ["submitted", "committed", "declined", "aborted"] { #expect(w[key] is Int, "\(name).\(key)") }
            let latency = try #require(w["latency_ms"] as? [String: Any])
            for key in ["p50", "p99", "p999"] { #expect(latency[key] is Double || latency[key] is Int) }
        }
        let commit = try #require(json["commit"] as? [String: Any])
        #expect(commit["protocol"] as? String == "2pc")
        for key in ["prepared", "committed", "aborted", "in_doubt", "in_doubt_total", "lock_waits", "messages"] {
            #expect(commit[key] is Int, "commit.\(key)")
        }
        let cache = try #require(json["cache"] as? [String: Any])
        for key in ["hits", "misses", "evictions"] { #expect(cache[key] is Int, "cache.\(key)") }
        #expect(cache["hit_rate"] is Double)
        let queues = try #require(json["queues"] as? [[String: Any]])
        #expect(Set(queues.compactMap { $0["group"] as? String }) == ["settlement", "notifications", "wallet-credit", "clearing"])
        #expect(queues.allSatisfy { $0["topic"] is String && $0["depth"] is Int && $0["lag"] is Int })
        let nodes = try #require(json["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["name"] as? String } == (1...6).map { "node-\($0)" })
        #expect(nodes.allSatisfy { $0["state"] as? String == "up" && ($0["requests"] as? Int ?? 0) > 0 && $0["errors"] is Int })
        let ledger = try #require(json["ledger"] as? [String: Any])
        #expect(ledger["balanced"] as? Bool == true)
        #expect((ledger["violations"] as? [Any])?.isEmpty == true)
        // No wall-clock figure may leak into a report.
        #expect(!a.stdout.contains("wall_") && !a.stdout.contains("elapsed"))
    }

    /// Thresholds decide the exit code: 3 on a breach, 0 when held, 2 for a
    /// malformed one; --abort-on-breach stops at the first breach and still reports.
    @Test func thresholdsSetTheExitCode() throws {
        let held = try PayopsProcess.run(["run", "--duration", "20s", "--slo", "error_rate < 1%", "--slo", "reconciliation.breaks == 0", "--json"])
        #expect(held.status == 0, "\(held.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(held.stdout.utf8)) as? [String: Any])
        let slo = try #require(json["slo"] as? [[String: Any]])
        #expect(slo.compactMap { $0["threshold"] as? String } == ["error_rate < 1%", "reconciliation.breaks == 0"])
        #expect(slo.allSatisfy { $0["held"] as? Bool == true })

        let breached = try PayopsProcess.run(["run", "--duration", "20s", "--slo", "payment.p99 < 1ms over 5s"])
        #expect(breached.status == 3, "\(breached.stderr)")
        #expect(breached.stdout.contains("thresholds: 0 of 1 held"))
        #expect(breached.stdout.contains("✗ payment.p99 < 1ms over 5s · worst "))

        let aborted = try PayopsProcess.run(["run", "--duration", "10m", "--slo", "payment.p99 < 1ms over 5s", "--abort-on-breach", "--json"])
        #expect(aborted.status == 3)
        let a = try #require(try JSONSerialization.jsonObject(with: Data(aborted.stdout.utf8)) as? [String: Any])
        #expect((a["aborted_on_breach_at_s"] as? Double).map { $0 >= 5 && $0 < 10 } == true, "\(a["aborted_on_breach_at_s"] ?? "none")")

        let bad = try PayopsProcess.run(["run", "--duration", "5s", "--slo", "payment.p99 < 3"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--slo 'payment.p99 < 3': column 15: expected a time like 300ms or 2s, found '3'"))
        let lonely = try PayopsProcess.run(["run", "--duration", "5s", "--abort-on-breach"])
        #expect(lonely.status == 2)
        #expect(lonely.stderr.contains("--abort-on-breach: the run has no thresholds"))
    }

    /// The drill library from any directory: listed, and run by name.
    @Test func drillsAreListedAndRunByName() throws {
        let list = try PayopsProcess.run(["scenarios"], environment: ["XDG_CONFIG_HOME": "/nonexistent"])
        #expect(list.status == 0, "\(list.stderr)")
        for name in ["black-friday", "gateway-brownout", "3pc-split-brain", "rolling-drain", "game-day"] {
            #expect(list.stdout.contains("\n\(name) "), "\(name) listed")
        }
        #expect(list.stdout.contains("Gray failure: one node turns twenty times slower while its health checks keep passing. (shipped)"))
        let run = try PayopsProcess.run(["run", "--duration", "1m10s", "--scenario", "platform-split"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("✓ reconciliation.breaks == 0"))
        #expect(run.stdout.contains("actions: 2\n  00:00:00  drill (drill line 12): protocol 2pc\n  00:01:00  drill (drill line 13): partition shard-1,shard-2 | shard-3,shard-4 for 20s\n"))
        let unknown = try PayopsProcess.run(["run", "--duration", "5s", "--scenario", "black-fridey"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("--scenario: no drill named 'black-fridey'; the drills are 3pc-split-brain, black-friday,"))
    }

    @Test func optionsReachTheModel() throws {
        let r = try PayopsProcess.run(["run", "--duration", "5s", "--protocol", "3pc", "--shards", "8", "--rate", "300",
                                       "--mix", "payment=100", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"protocol\" : \"3pc\""))
        #expect(r.stdout.contains("\"shards\" : 8"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let w = try #require(json["workloads"] as? [String: [String: Any]])
        #expect(w["topup"]?["submitted"] as? Int == 0)
        #expect((w["payment"]?["submitted"] as? Int ?? 0) > 1_300)
    }

    @Test func readableSummaryByDefault() throws {
        let r = try PayopsProcess.run(["run", "--duration", "5s"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("ledger: balanced"))
        #expect(r.stdout.contains("payment"))
    }

    @Test(arguments: [
        (["run", "--protocol", "4pc"], "--protocol"),
        (["run", "--rate", "-5"], "--rate"),
        (["run", "--rate", "fast"], "--rate"),
        (["run", "--mix", "payment=50,topup=10"], "--mix"),
        (["run", "--mix", "cash=100"], "--mix"),
        (["run", "--duration", "10x"], "--duration"),
        (["run", "--duration", "1.5m"], "--duration"),
        (["run", "--shards", "0"], "--shards"),
        (["run", "--lb", "fastest"], "--lb"),
        (["run", "--cache-capacity", "0"], "--cache-capacity"),
        (["bench", "mmc", "--lambda", "200"], "--lambda"),
        (["run", "--bogus"], "--bogus"),
    ])
    func badFlagsExitTwoWithOneLineNamingTheFlag(args: [String], flag: String) throws {
        let r = try PayopsProcess.run(args)
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains(flag), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func scenarioFileDrivesTheRun() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("payops-\(getpid())-good.scenario").path
        try "# fail a node, then bring it back\nat 2s fail node-2\nat 12s recover node-2   # checks pass again\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try PayopsProcess.run(["run", "--duration", "60s", "--scenario", path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let nodes = try #require(json["nodes"] as? [[String: Any]])
        #expect((nodes[1]["errors"] as? Int ?? 0) > 0, "the failed node answered with errors")
        #expect(nodes[1]["state"] as? String == "up")
    }

    @Test(arguments: [
        ("at 5s drian node-1\n", ":1:7: unknown command 'drian'"),
        ("# ok\n\nat 5s fail node-9\n", ":3:12: there is no node-9"),
        ("at 5q pause\n", ":1:4: expected a time"),
        ("at 1m pause\nat 30s resume\n", ":2:4: time 30s is earlier"),
        ("pause\n", ":1:1: expected a step like"),
    ])
    func badScenarioLineStopsTheRunWithFileLineColumn(text: String, expected: String) throws {
        // Cases run in parallel: each writes its own file.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("payops-\(getpid())-\(UUID().uuidString)-bad.scenario").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try PayopsProcess.run(["run", "--scenario", path])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty, "the run did not start")
        #expect(r.stderr.contains(path + expected), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func missingScenarioFileIsOneClearLine() throws {
        let r = try PayopsProcess.run(["run", "--scenario", "/nonexistent/game.scenario"])
        #expect(r.status == 2)
        #expect(r.stderr == "payops: --scenario: /nonexistent/game.scenario: no such file\n")
    }

    @Test func shippedScenariosParse() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".scenario") }
        #expect(!files.isEmpty)
        for f in files {
            let r = try PayopsProcess.run(["run", "--duration", "1s", "--scenario", dir.appendingPathComponent(f).path])
            // Steps after 1s are announced as skipped; the file itself must
            // parse. A drill's thresholds may judge its first second harshly (3).
            #expect(r.status == 0 || r.status == 3, "\(f): \(r.stderr)")
            #expect(!r.stderr.contains("--scenario:"), "\(f): \(r.stderr)")
        }
    }

    @Test func benchMMCPrintsTheJSONKeys() throws {
        let r = try PayopsProcess.run(["bench", "mmc", "--customers", "100000", "--json"])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["customers", "mean_wait_s", "erlang_c_wait_s", "wall_s", "customers_per_s"] { #expect(json[key] != nil, "\(key)") }
        #expect(json["customers"] as? Int == 100_000)
    }
}
