import Foundation
import Testing
import TestSupport

/// `--metrics-listen` scraped by a real Prometheus, with the README's own
/// scrape config and alert rules.
@Suite(.serialized) struct MetricsEndpointTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("README.md")

    /// The README's yaml block whose first line is `# NAME`.
    static func block(_ name: String) throws -> String {
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let start = text.range(of: "```yaml\n# \(name)\n"), let end = text.range(of: "```", range: start.upperBound..<text.endIndex) else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "README has no yaml block '# \(name)'"])
        }
        return "# \(name)\n" + text[start.upperBound..<end.lowerBound]
    }

    @Test func aRealPrometheusScrapesADrillAndItsAlertsFire() throws {
        let promtool = try #require(PrometheusServer.promtool, "promtool is not installed: the README's test command installs it (apt-get install prometheus)")
        let port = RedisServer.freePort()
        let config = try MetricsEndpointTests.block("prometheus.yml").replacingOccurrences(of: "127.0.0.1:9464", with: "127.0.0.1:\(port)")
        let rules = try MetricsEndpointTests.block("payops-alerts.yml")
        let prometheus = try PrometheusServer(config: "prometheus.yml", files: ["prometheus.yml": config, "payops-alerts.yml": rules])
        defer { prometheus.stop() }
        // The README's files are valid as Prometheus reads them.
        let checked = try Spawned.run(promtool, ["check", "config", prometheus.dir.appendingPathComponent("prometheus.yml").path], timeout: 60)
        #expect(checked.status == 0, "\(checked.output)\(checked.errors)")

        let p = Process()
        p.executableURL = PayopsProcess.binary
        p.arguments = ["run", "--duration", "4m", "--scenario", "gateway-brownout", "--pace", "30", "--metrics-listen", "127.0.0.1:\(port)",
                       "--metrics-linger", "6s", "--json"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        // A scrape while the drill runs is valid exposition text.
        var scrape = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !scrape.contains("payops_requests_total") {
            if let r = try? PrometheusServer.get("http://127.0.0.1:\(port)/metrics"), r.status == 200 { scrape = String(decoding: r.body, as: UTF8.self) }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let file = prometheus.dir.appendingPathComponent("scrape.txt").path
        try scrape.write(toFile: file, atomically: true, encoding: .utf8)
        let lint = try Spawned.run("/bin/sh", ["-c", "\(promtool) check metrics < \(file)"], timeout: 60)
        #expect(lint.status == 0, "\(lint.output)\(lint.errors)")
        for name in ["payops_requests_total{workload=\"payment\",outcome=\"committed\"}", "payops_request_duration_seconds_bucket",
                     "payops_queue_lag_messages{group=\"wallet-credit\"}", "payops_node_up{node=\"node-1\"}", "payops_shard_in_doubt{shard=\"shard-1\"}",
                     "payops_slo_breached{slo=\"topup.success > 70% over 30s\"}", "payops_simulated_seconds", "payops_cache_hits_total"] {
            #expect(scrape.contains(name), "\(name)")
        }
        p.waitUntilExit()
        #expect(p.terminationStatus == 3)
        // Prometheus has the counters and saw both alerts fire.
        // The target is gone by now, so its series are stale: read the last of them.
        let committed = try prometheus.query("sum(max_over_time(payops_requests_total{outcome=\"committed\"}[5m]))")
        let value = ((committed.first?["value"] as? [Any])?[1] as? String).flatMap(Double.init) ?? 0
        #expect(value > 100_000, "\(committed)")
        for alert in ["PayopsThresholdBreached", "PayopsTopupsFailing"] {
            let fired = try prometheus.query("max_over_time(ALERTS{alertname=\"\(alert)\",alertstate=\"firing\"}[5m])")
            #expect(!fired.isEmpty, "\(alert) never fired")
        }
    }

    @Test(arguments: [
        ("nonsense", "--metrics-listen: 'nonsense' has no port; expected HOST:PORT"),
        ("127.0.0.1:99999", "--metrics-listen: '127.0.0.1:99999' has port '99999', not 0 to 65535"),
        ("example.com:80", "--metrics-listen: 'example.com:80' has host 'example.com', not an IP address"),
        ("::1:9000", "--metrics-listen: '::1:9000' is an IPv6 address without brackets"),
        ("192.0.2.1:9464", "--metrics-listen: cannot listen on 192.0.2.1:9464: "),
    ])
    func badAddressesAreOneMessageAndExit2(_ address: String, _ message: String) throws {
        let r = try PayopsProcess.run(["run", "--duration", "1s", "--metrics-listen", address])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("payops: \(message)"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func aPortInUseIsOneMessageAndExit2() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let r = try PayopsProcess.run(["run", "--duration", "1s", "--metrics-listen", "127.0.0.1:\(redis.port)"])
        #expect(r.status == 2)
        #expect(r.stderr == "payops: --metrics-listen: cannot listen on 127.0.0.1:\(redis.port): Address already in use\n")
    }

    /// The console serves metrics while it runs and writes its after-action report when quit.
    @Test func theConsoleServesMetricsAndWritesItsReportOnQuit() throws {
        let port = RedisServer.freePort()
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("payops-console-\(getpid()).html").path
        defer { try? FileManager.default.removeItem(atPath: report) }
        let t = try Tmux(width: 120, height: 34, command: ConsoleEndToEndTests.command("--speed 10 --metrics-listen 127.0.0.1:\(port) --report \(report)"))
        try t.waitFor("ledger ✓ balanced")
        try t.keys("s")
        var scrape = ""
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline && !scrape.contains("payops_simulated_seconds") {
            if let r = try? PrometheusServer.get("http://127.0.0.1:\(port)/metrics") { scrape = String(decoding: r.body, as: UTF8.self) }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(scrape.contains("payops_requests_total{workload=\"payment\",outcome=\"committed\"}"))
        try t.keys("q")
        try t.waitFor("EXIT=0", seconds: 60)
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(html.contains("<figure id=\"chart-nodes\">"))
        #expect(html.contains("spike 5x for 30s"))
        #expect(html.contains("session</dt><dd>console"))
    }
}
