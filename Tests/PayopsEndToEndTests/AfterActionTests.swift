import Foundation
import Testing
import TestSupport

/// The after-action report (`--report`), and the events and series exports.
@Suite(.serialized) struct AfterActionTests {
    struct Session: Sendable {
        var report: String, series: String, events: String, jsonText: String, html: String
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(jsonText.utf8))) as? [String: Any]) ?? [:] }
    }

    /// One run of a shipped drill with every export, shared by the tests.
    static let session: Result<Session, Error> = Result {
        let tmp = FileManager.default.temporaryDirectory
        // The files outlive this process's tests (they share them), so each
        // run clears what earlier runs, no longer alive, left behind.
        for old in (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? [] where old.hasPrefix("payops-aar-") {
            if let pid = Int32(old.dropFirst("payops-aar-".count)), pid != getpid(), kill(pid, 0) != 0 {
                try? FileManager.default.removeItem(atPath: tmp.appendingPathComponent(old).path)
            }
        }
        let dir = tmp.appendingPathComponent("payops-aar-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let s = (report: dir + "/report.html", series: dir + "/series.csv", events: dir + "/events.jsonl")
        let r = try PayopsProcess.run(["run", "--duration", "5m", "--scenario", "gateway-brownout", "--json",
                                       "--report", s.report, "--series", s.series, "--events", s.events])
        guard r.status == 3 else { throw CocoaError(.featureUnsupported, userInfo: ["why": "exit \(r.status): \(r.stderr)"]) }
        return Session(report: s.report, series: s.series, events: s.events, jsonText: r.stdout, html: try String(contentsOfFile: s.report, encoding: .utf8))
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    /// Nothing sensitive leaves the run: no card number (a run of 13 or
    /// more digits, or the card issuer's prefix) in the JSON report, the
    /// after-action report, the series or the events.
    @Test func noCardNumberInAnyExport() throws {
        let s = try AfterActionTests.session.get()
        let texts = [s.jsonText, s.html, try String(contentsOfFile: s.series, encoding: .utf8), try String(contentsOfFile: s.events, encoding: .utf8)]
        // Whole numbers only: a fraction's decimals (0.00638382763665381) are not an identifier.
        let numbers = try Regex("[0-9][0-9.]*")
        for (name, text) in zip(["json", "html", "series", "events"], texts) {
            let long = text.matches(of: numbers).map { String(text[$0.range]) }.filter { !$0.contains(".") && $0.count >= 13 }
            #expect(long.isEmpty, "a long number in the \(name): \(long.prefix(3))")
            #expect(!text.contains("453201"), "a card prefix in the \(name)")
        }
    }

    @Test func theReportOfAShippedDrillHasEveryChartMarkerAndTable() throws {
        let s = try AfterActionTests.session.get()
        let html = s.html
        let actions = (s.json["actions"] as? [[String: Any]]) ?? []
        #expect(actions.count == 4)
        let charts = ["throughput-payment", "throughput-topup", "throughput-trade", "latency-payment", "latency-topup", "latency-trade",
                      "lag", "cache-shards", "nodes"]
        for c in charts {
            #expect(html.contains("<figure id=\"chart-\(c)\">"), "\(c)")
            #expect(html.contains("aria-labelledby=\"\(c == "nodes" ? "nodes-t nodes-d" : "\(c)-t \(c)-d")\""), "\(c)")
        }
        // Every chart has a text alternative, and every fault or action is marked on every chart.
        #expect(AfterActionTests.count("<figcaption>", in: html) == charts.count)
        #expect(AfterActionTests.count("<desc id=", in: html) == charts.count)
        #expect(AfterActionTests.count("<g class=\"marker ", in: html) == actions.count * charts.count)
        #expect(AfterActionTests.count("<path class=\"series\"", in: html) == 3 * 3 + 3 * 2 + 4 + 1 + 4)
        for a in actions { #expect(html.contains("</time> \(a["command"] as? String ?? "?") (drill, drill line")) }
        // Labelled axes with units, the threshold line, the verdict.
        for label in [">requests/s<", ">ms<", ">messages<", ">%<", "simulated time (mm:ss)", "SLO payment.p99 &lt; 50ms", "Verdict: not held",
                      "✗</span> <span class=\"sr\">failed:</span> topup.success &gt; 70% over 30s", "ledger balanced"] {
            #expect(html.contains(label), "\(label)")
        }
        for table in ["workloads", "nodes", "shards", "queues", "actions", "events"] { #expect(html.contains("<table id=\"table-\(table)\">")) }
        // Self-contained: nothing from outside, no scripts; small.
        for outside in ["http:", "https:", "src=", "href=", "<script", "@import", "url("] { #expect(!html.contains(outside), "\(outside)") }
        #expect(html.utf8.count < 3_000_000)
    }

    @Test func theReportOpensInHeadlessChromium() throws {
        let s = try AfterActionTests.session.get()
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let binary = try #require(chromium, "chromium is not installed: the README's test command installs it (apt-get install chromium)")
        let dir = URL(fileURLWithPath: s.report).deletingLastPathComponent().path
        let blank = dir + "/blank.html"
        try "<!doctype html><title>blank</title>".write(toFile: blank, atomically: true, encoding: .utf8)
        func shot(_ page: String, _ png: String) throws -> Int {
            let r = try Spawned.run(binary, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(dir)/profile",
                                             "--window-size=1000,1400", "--screenshot=\(png)", "file://\(page)"], timeout: 120)
            #expect(r.status == 0, "\(r.errors)")
            return (try FileManager.default.attributesOfItem(atPath: png)[.size] as? Int) ?? 0
        }
        let reportSize = try shot(s.report, dir + "/report.png")
        let blankSize = try shot(blank, dir + "/blank.png")
        // A page of charts and text compresses far worse than a white one.
        #expect(blankSize > 0)
        #expect(reportSize > 10 * blankSize, "report screenshot \(reportSize) bytes, blank \(blankSize)")
        let dom = try Spawned.run(binary, ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(dir)/profile", "--dump-dom", "file://\(s.report)"], timeout: 120)
        #expect(dom.output.contains("id=\"chart-nodes\""))
    }

    @Test func theExportsParseWithPythonAndAgreeWithTheReport() throws {
        let s = try AfterActionTests.session.get()
        let script = """
        import csv, json, sys
        rows = list(csv.DictReader(open(sys.argv[1], newline='')))
        events = [json.loads(line) for line in open(sys.argv[2])]
        out = {'rows': len(rows), 'last_time': float(rows[-1]['time_s']), 'span': sum(float(r['span_s']) for r in rows),
               'actions': [e['command'] for e in events if e['type'] == 'action'],
               'breaches': sum(1 for e in events if e['type'] == 'event' and e['message'].startswith('SLO breached'))}
        for w in ['payment', 'topup', 'trade']:
            for k in ['offered', 'goodput', 'failed', 'declined', 'shed']:
                out[w + '_' + k] = sum(int(r[w + '_' + k + '_requests']) for r in rows)
        print(json.dumps(out))
        """
        let r = try Spawned.run("/usr/bin/python3", ["-c", script, s.series, s.events], timeout: 60)
        #expect(r.status == 0, "\(r.errors)")
        let totals = try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
        let workloads = try #require(s.json["workloads"] as? [String: [String: Any]])
        func int(_ v: Any?) -> Int { (v as? NSNumber)?.intValue ?? -1 }
        for w in ["payment", "topup", "trade"] {
            let report = try #require(workloads[w])
            #expect(int(totals["\(w)_offered"]) == int(report["submitted"]), "\(w)")
            #expect(int(totals["\(w)_goodput"]) == int(report["committed"]), "\(w)")
            #expect(int(totals["\(w)_failed"]) == int(report["aborted"]) + int(report["failed"]), "\(w)")
            #expect(int(totals["\(w)_declined"]) == int(report["declined"]), "\(w)")
            #expect(int(totals["\(w)_shed"]) == int((report["load"] as? [String: Any])?["shed"]), "\(w)")
        }
        let run = try #require(s.json["run"] as? [String: Any])
        #expect((totals["last_time"] as? Double) == (run["simulated_s"] as? Double))
        #expect(abs(((totals["span"] as? Double) ?? 0) - ((run["simulated_s"] as? Double) ?? -1)) < 1e-6)
        let actions = ((s.json["actions"] as? [[String: Any]]) ?? []).compactMap { $0["command"] as? String }
        #expect(totals["actions"] as? [String] == actions)
        let slo = (s.json["slo"] as? [[String: Any]]) ?? []
        #expect(int(totals["breaches"]) == slo.reduce(0) { $0 + int($1["breaches"]) })
    }

    @Test func exportPathsThatCannotBeWrittenAreRefusedBeforeTheRun() throws {
        for flag in ["--report", "--series", "--events"] {
            let r = try PayopsProcess.run(["run", "--duration", "1s", flag, "/nonexistent-dir/out"])
            #expect(r.status == 2)
            #expect(r.stderr == "payops: \(flag): cannot write '/nonexistent-dir/out': No such file or directory\n")
        }
    }
}
