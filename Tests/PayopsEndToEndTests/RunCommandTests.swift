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
        let ledger = try #require(json["ledger"] as? [String: Any])
        #expect(ledger["balanced"] as? Bool == true)
        #expect((ledger["violations"] as? [Any])?.isEmpty == true)
        // No wall-clock figure may leak into a report.
        #expect(!a.stdout.contains("wall_") && !a.stdout.contains("elapsed"))
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

    @Test func benchMMCPrintsTheJSONKeys() throws {
        let r = try PayopsProcess.run(["bench", "mmc", "--customers", "100000", "--json"])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["customers", "mean_wait_s", "erlang_c_wait_s", "wall_s", "customers_per_s"] { #expect(json[key] != nil, "\(key)") }
        #expect(json["customers"] as? Int == 100_000)
    }
}
