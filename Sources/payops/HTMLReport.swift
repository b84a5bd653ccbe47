import Console
import Foundation
import PaySim

/// Who ran the session, how: the after-action report's summary.
struct ReportContext {
    /// `run`, `console` or `replay`.
    var kind: String
    var model: [String]
    var backends: String
    var drill: String?
    var thresholds: [SLOThreshold]
    /// Wall-clock start, UTC.
    var started: String
}

/// The after-action report: one self-contained HTML file (inline styles and
/// SVG, no scripts, fonts or links outside it) with the verdict, charts over
/// simulated time with every fault and action marked, and the tables.
struct HTMLReport {
    let report: RunReport
    let series: RunSeries
    let events: [SimLogEntry]
    let eventsTotal: Int64
    let context: ReportContext

    /// The report keeps this many events of the log (the latest); the count says how many there were.
    static let eventRows = 2_000

    /// The colour-blind palette (Okabe–Ito, from the shipped `colorblind`
    /// theme), less its yellow, which is unreadable on white paper.
    static let palette: [String] = {
        let theme = try? ThemeCatalog.standard().resolve("colorblind").get()
        let colours = (theme?.graph ?? []).map(\.description).filter { $0 != "#f0e442" }
        return colours.count >= 4 ? colours : ["#0072b2", "#e69f00", "#009e73", "#d55e00", "#56b4e9", "#cc79a7"]
    }()

    struct Marker {
        var number: Int
        var at: Double
        var text: String
        var byDrill: Bool
    }

    /// Every action as a numbered marker: made once, drawn on every chart.
    let markers: [Marker]

    init(report: RunReport, series: RunSeries, events: [SimLogEntry], eventsTotal: Int64, context: ReportContext) {
        self.report = report
        self.series = series
        self.events = events
        self.eventsTotal = eventsTotal
        self.context = context
        markers = report.actions.enumerated().map { i, a in
            let byDrill = OperatorAction.origin(via: a.via) == "drill"
            return Marker(number: i + 1, at: a.at_s, text: "\(a.command) (\(byDrill ? "drill" : a.who), \(a.via))", byDrill: byDrill)
        }
    }

    func render() -> String {
        var out = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(esc(title))</title>
        <style>\(HTMLReport.css)</style>
        </head>
        <body>
        <header>
        <h1>payops after-action report</h1>
        <p class="sub">\(esc(title))</p>
        </header>

        """
        out += summary()
        out += charts()
        out += tables()
        out += "<footer>Written by payops \(esc(PayopsCommand.version)). Every figure comes from the simulated run; the same seed, flags, drill and actions give the same report.</footer>\n</body>\n</html>\n"
        return out
    }

    var title: String {
        "\(context.drill.map { "drill \($0), " } ?? "")seed \(report.run.seed), \(SimTime(microseconds: Int64(report.run.simulated_s * 1_000_000)).clockText) simulated"
    }

    // MARK: Summary

    var verdictHeld: Bool {
        report.ledger.balanced && report.reconciliation.breaks == 0 && !(report.slo?.contains { !$0.held } ?? false)
    }

    func summary() -> String {
        var out = "<section id=\"summary\">\n<h2>Summary</h2>\n"
        out += "<p class=\"verdict \(verdictHeld ? "held" : "failed")\">Verdict: \(verdictHeld ? "held" : "not held")</p>\n<dl>\n"
        func item(_ k: String, _ v: String) { out += "<dt>\(esc(k))</dt><dd>\(esc(v))</dd>\n" }
        item("session", "\(context.kind), started \(context.started)")
        item("seed", "\(report.run.seed)")
        item("flags", context.model.joined(separator: " "))
        item("backends", context.backends)
        item("drill", context.drill ?? "none")
        item("arrivals", "\(SimDuration.fromSeconds(report.run.duration_s)) at \(ReportFormatter.number(report.run.rate_tps_base)) tps base (\(report.run.mix))")
        item("simulated", "\(SimTime(microseconds: Int64(report.run.simulated_s * 1_000_000)).clockText), \(ReportFormatter.number(Double(report.run.events))) events")
        if let at = report.aborted_on_breach_at_s { item("stopped", "at the first breach, \(clock(at))") }
        out += "</dl>\n<ul class=\"checks\">\n"
        out += check(report.ledger.balanced, report.ledger.balanced
                     ? "ledger balanced (\(ReportFormatter.number(Double(report.ledger.transactions_checked))) transactions checked)"
                     : "ledger: \(report.ledger.violation_count) violations")
        out += check(report.reconciliation.breaks == 0, report.reconciliation.breaks == 0
                     ? "reconciliation clean (\(ReportFormatter.number(Double(report.reconciliation.checked))) records matched)"
                     : "reconciliation: \(report.reconciliation.breaks) breaks")
        for s in report.slo ?? [] {
            let worst = s.worst_text.map { " · worst \($0)\(s.worst_at_s.map { " at \(clock($0))" } ?? "")" } ?? " · nothing measured"
            let breaches = s.held ? "" : " · breached \(s.breaches) time\(s.breaches == 1 ? "" : "s"), \(s.breached_s) s in all"
            out += check(s.held, "\(s.threshold)\(worst)\(breaches)")
        }
        out += "</ul>\n</section>\n"
        return out
    }

    func check(_ ok: Bool, _ text: String) -> String {
        "<li class=\"\(ok ? "ok" : "bad")\"><span class=\"mark\" aria-hidden=\"true\">\(ok ? "✓" : "✗")</span> <span class=\"sr\">\(ok ? "held:" : "failed:")</span> \(esc(text))</li>\n"
    }

    // MARK: Charts

    func charts() -> String {
        var out = "<section id=\"charts\">\n<h2>Over simulated time</h2>\n"
        if series.rowsPerRow > 1 {
            out += "<p class=\"note\">The run was long: each point covers \(series.rowsPerRow) seconds (counts per second are averaged over them, p99 and lag are the largest).</p>\n"
        }
        let p = HTMLReport.palette
        for w in Workload.allCases {
            let span = series.spans
            func perSecond(_ name: String) -> [Double] {
                (series.column("\(w.name)_\(name)") ?? []).enumerated().map { i, v in v / max(span[i], 1e-9) }
            }
            let offered = perSecond("offered"), goodput = perSecond("goodput"), failed = perSecond("failed")
            out += chart(id: "throughput-\(w.name)", title: "\(w.displayName): offered, goodput and failed", unit: "requests/s",
                         lines: [("offered", offered, p[0], "6 3"), ("goodput", goodput, p[2], nil), ("failed", failed, p[3], "2 2")],
                         description: "\(w.displayName) requests per second. " + describe("offered", offered, "/s") + " " + describe("goodput", goodput, "/s") + " " + describe("failed", failed, "/s"))
        }
        for w in Workload.allCases {
            let p50 = series.column("\(w.name)_p50") ?? [], p99 = series.column("\(w.name)_p99") ?? []
            let slo = context.thresholds.compactMap { t -> (String, Double)? in
                if case .latency(let tw, _) = t.measure, tw == w { return ("SLO \(t)", t.limit) }
                return nil
            }
            out += chart(id: "latency-\(w.name)", title: "\(w.displayName): latency p50 and p99 (committed, over 10 s)", unit: "ms",
                         lines: [("p50", p50, p[0], "6 3"), ("p99", p99, p[1], nil)], thresholds: slo,
                         description: "\(w.displayName) latency of committed requests, from arrival, over a 10-second window. " + describe("p50", p50, " ms") + " " + describe("p99", p99, " ms") + (slo.isEmpty ? "" : " Threshold line: " + slo.map(\.0).joined(separator: "; ") + "."))
        }
        let lagColumns = series.columns.filter { $0.name.hasPrefix("lag_") }
        let lagLines = lagColumns.enumerated().map { i, c in (String(c.name.dropFirst(4)), series.column(c.name) ?? [], p[i % p.count], Optional<String>.none) }
        out += chart(id: "lag", title: "Queue lag per consumer group", unit: "messages", lines: lagLines,
                     description: "Messages not yet consumed, per group. " + lagLines.map { describe($0.0, $0.1, "") }.joined(separator: " "))
        let hits = series.column("cache_hits") ?? [], misses = series.column("cache_misses") ?? []
        let hitRate = zip(hits, misses).map { $0 + $1 > 0 ? 100 * $0 / ($0 + $1) : Double.nan }
        var util: [(String, [Double], String, String?)] = [("cache hit rate", hitRate, p[0], nil)]
        for (i, c) in series.columns.enumerated() where c.name.hasSuffix("_cpu") {
            util.append((String(c.name.dropLast(4)) + " cpu", series.values[i].map { $0 * 100 }, p[(i % (p.count - 1)) + 1], "4 2"))
        }
        out += chart(id: "cache-shards", title: "Cache hit rate and shard utilisation", unit: "%", lines: util,
                     description: "Cache hit rate and each shard's CPU utilisation, in percent. " + util.map { describe($0.0, $0.1, "%") }.joined(separator: " "))
        out += swimlane()
        out += markerList()
        out += "</section>\n"
        return out
    }

    /// A text alternative: mean, peak and when, or nothing measured.
    func describe(_ name: String, _ values: [Double], _ unit: String) -> String {
        let v = values.enumerated().filter { $0.element.isFinite }
        guard let peak = v.max(by: { $0.element < $1.element }) else { return "\(name): nothing measured." }
        let mean = v.reduce(0) { $0 + $1.element } / Double(v.count)
        let low = v.min { $0.element < $1.element }!
        return "\(name): mean \(fmt(mean))\(unit), peak \(fmt(peak.element))\(unit) at \(clock(series.times[peak.offset])), lowest \(fmt(low.element))\(unit) at \(clock(series.times[low.offset]))."
    }

    static let width = 960.0, height = 240.0
    static let left = 64.0, right = 16.0, top = 26.0, bottom = 36.0

    var endTime: Double { max(series.times.last ?? 1, 1) }
    func x(_ t: Double) -> Double { HTMLReport.left + (HTMLReport.width - HTMLReport.left - HTMLReport.right) * t / endTime }

    func chart(id: String, title: String, unit: String, lines: [(String, [Double], String, String?)],
               thresholds: [(String, Double)] = [], description: String) -> String {
        let w = HTMLReport.width, h = HTMLReport.height
        let plotBottom = h - HTMLReport.bottom, plotTop = HTMLReport.top
        let peak = max((lines.flatMap(\.1).filter(\.isFinite) + thresholds.map(\.1)).max() ?? 0, 1e-9)
        let yMax = HTMLReport.niceCeiling(peak * 1.05)
        func y(_ v: Double) -> Double { plotBottom - (plotBottom - plotTop) * v / yMax }
        var svg = "<svg viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-labelledby=\"\(id)-t \(id)-d\" class=\"chart\">\n"
        svg += "<title id=\"\(id)-t\">\(esc(title))</title>\n<desc id=\"\(id)-d\">\(esc(description))</desc>\n"
        svg += axes(yMax: yMax, unit: unit, y: y)
        for (label, value) in thresholds {
            svg += "<line class=\"slo\" x1=\"\(f(HTMLReport.left))\" x2=\"\(f(w - HTMLReport.right))\" y1=\"\(f(y(value)))\" y2=\"\(f(y(value)))\"/>"
            svg += "<text class=\"slo-label\" x=\"\(f(w - HTMLReport.right - 4))\" y=\"\(f(y(value) - 4))\" text-anchor=\"end\">\(esc(label))</text>\n"
        }
        for (name, values, colour, dash) in lines {
            svg += "<path class=\"series\" data-series=\"\(esc(name))\" d=\"\(path(values, y))\" stroke=\"\(colour)\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>\n"
        }
        svg += markerLines(top: plotTop, bottom: plotBottom)
        svg += "</svg>\n"
        var legend = "<ul class=\"legend\">"
        for (name, _, colour, dash) in lines {
            legend += "<li><svg width=\"28\" height=\"10\" aria-hidden=\"true\"><line x1=\"0\" y1=\"5\" x2=\"28\" y2=\"5\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/></svg>\(esc(name))</li>"
        }
        legend += "</ul>\n"
        return "<figure id=\"chart-\(id)\">\n<h3>\(esc(title))</h3>\n\(svg)\(legend)<figcaption>\(esc(description))</figcaption>\n</figure>\n"
    }

    /// The axes: time along the bottom (mm:ss, h:mm:ss), the unit up the side.
    func axes(yMax: Double, unit: String, y: (Double) -> Double) -> String {
        let w = HTMLReport.width, h = HTMLReport.height, l = HTMLReport.left
        var s = "<g class=\"axis\">"
        for i in 0...4 {
            let v = yMax * Double(i) / 4, yy = y(v)
            s += "<line class=\"grid\" x1=\"\(f(l))\" x2=\"\(f(w - HTMLReport.right))\" y1=\"\(f(yy))\" y2=\"\(f(yy))\"/>"
            s += "<text x=\"\(f(l - 6))\" y=\"\(f(yy + 4))\" text-anchor=\"end\">\(esc(fmt(v)))</text>"
        }
        let step = HTMLReport.timeStep(endTime)
        var t = 0.0
        while t <= endTime + 1e-9 {
            s += "<line class=\"tick\" x1=\"\(f(x(t)))\" x2=\"\(f(x(t)))\" y1=\"\(f(h - HTMLReport.bottom))\" y2=\"\(f(h - HTMLReport.bottom + 5))\"/>"
            s += "<text x=\"\(f(x(t)))\" y=\"\(f(h - HTMLReport.bottom + 18))\" text-anchor=\"middle\">\(clock(t))</text>"
            t += step
        }
        s += "<text class=\"unit\" x=\"\(f(l - 56))\" y=\"\(f(HTMLReport.top - 10))\">\(esc(unit))</text>"
        s += "<text class=\"unit\" x=\"\(f(w - HTMLReport.right))\" y=\"\(f(h - 4))\" text-anchor=\"end\">simulated time (mm:ss)</text>"
        s += "</g>\n"
        return s
    }

    /// Every fault and action: a dashed line with its number, its text on hover.
    func markerLines(top: Double, bottom: Double) -> String {
        var s = "<g class=\"markers\">"
        // Numbers of markers close together are set side by side, not on top of each other.
        var lastX = -Double.infinity, nudge = 0.0
        for m in markers {
            let xx = x(m.at)
            nudge = xx - lastX < 14 ? nudge + 12 : 0
            lastX = xx
            s += "<g class=\"marker\(m.byDrill ? " drill" : " operator")\"><title>\(m.number). \(clock(m.at)) \(esc(m.text))</title>"
            s += "<line x1=\"\(f(xx))\" x2=\"\(f(xx))\" y1=\"\(f(top))\" y2=\"\(f(bottom))\"/>"
            s += "<text x=\"\(f(xx + 2 + nudge))\" y=\"\(f(top - 4))\">\(m.number)</text></g>"
        }
        s += "</g>\n"
        return s
    }

    /// A line through the points, broken where nothing was measured.
    func path(_ values: [Double], _ y: (Double) -> Double) -> String {
        var d = ""
        var pen = false
        for (i, v) in values.enumerated() where i < series.times.count {
            guard v.isFinite else { pen = false; continue }
            d += "\(pen ? "L" : "M")\(f(x(series.times[i]))) \(f(y(v)))"
            pen = true
        }
        return d.isEmpty ? "M0 0" : d
    }

    /// Node states as lanes: one per node, a band per stretch of one state.
    func swimlane() -> String {
        let nodes = series.columns.enumerated().filter { $0.element.name.hasSuffix("_state") }
        let lane = 22.0, h = HTMLReport.top + Double(nodes.count) * lane + HTMLReport.bottom
        let colours: [NodeState: String] = [.up: "#009e73", .recovering: "#56b4e9", .draining: "#e69f00", .drained: "#cc79a7", .ejected: "#f0e442", .down: "#d55e00"]
        var desc: [String] = []
        var svg = "<svg viewBox=\"0 0 \(Int(HTMLReport.width)) \(Int(h))\" role=\"img\" aria-labelledby=\"nodes-t nodes-d\" class=\"chart\">\n"
        var bands = ""
        for (lane_i, (ci, c)) in nodes.enumerated() {
            let name = String(c.name.dropLast(6))
            let yy = HTMLReport.top + Double(lane_i) * lane
            bands += "<text x=\"\(f(HTMLReport.left - 6))\" y=\"\(f(yy + 15))\" text-anchor=\"end\">\(esc(name))</text>"
            var start = 0.0
            var stretches: [String] = []
            let values = series.values[ci]
            var i = 0
            while i < values.count {
                let code = values[i]
                var j = i
                while j + 1 < values.count && values[j + 1] == code { j += 1 }
                let end = series.times[j]
                let state = code.isFinite ? RunSeries.stateCodes[Int(code)] : .up
                bands += "<rect class=\"state-\(state.rawValue)\" x=\"\(f(x(start)))\" y=\"\(f(yy + 2))\" width=\"\(f(max(0.5, x(end) - x(start))))\" height=\"\(f(lane - 4))\" fill=\"\(colours[state] ?? "#888")\"><title>\(esc(name)) \(state.rawValue) \(clock(start))–\(clock(end))</title></rect>"
                if state != .up { stretches.append("\(state.rawValue) \(clock(start))–\(clock(end))") }
                start = end
                i = j + 1
            }
            desc.append("\(name): " + (stretches.isEmpty ? "up throughout" : stretches.joined(separator: ", ")))
        }
        let description = "Each node's state over the run. " + desc.joined(separator: "; ") + "."
        svg += "<title id=\"nodes-t\">Node states</title>\n<desc id=\"nodes-d\">\(esc(description))</desc>\n"
        svg += bands + "\n"
        let step = HTMLReport.timeStep(endTime)
        var t = 0.0
        while t <= endTime + 1e-9 {
            svg += "<text class=\"axis-text\" x=\"\(f(x(t)))\" y=\"\(f(h - HTMLReport.bottom + 18))\" text-anchor=\"middle\">\(clock(t))</text>"
            t += step
        }
        svg += markerLines(top: HTMLReport.top, bottom: h - HTMLReport.bottom)
        svg += "</svg>\n"
        var legend = "<ul class=\"legend\">"
        for s in RunSeries.stateCodes {
            legend += "<li><svg width=\"14\" height=\"10\" aria-hidden=\"true\"><rect width=\"14\" height=\"10\" fill=\"\(colours[s]!)\"/></svg>\(s.rawValue)</li>"
        }
        legend += "</ul>\n"
        return "<figure id=\"chart-nodes\">\n<h3>Node states</h3>\n\(svg)\(legend)<figcaption>\(esc(description))</figcaption>\n</figure>\n"
    }

    func markerList() -> String {
        guard !markers.isEmpty else { return "<p class=\"note\">No faults or actions: nothing was changed during the run.</p>\n" }
        var out = "<h3 id=\"markers\">Faults and actions marked on the charts</h3>\n<ol class=\"markers-list\">\n"
        for m in markers { out += "<li value=\"\(m.number)\"><time>\(clock(m.at))</time> \(esc(m.text))</li>\n" }
        if report.actions_dropped > 0 { out += "</ol>\n<p class=\"note\">\(report.actions_dropped) earlier actions are not kept.</p>\n" } else { out += "</ol>\n" }
        return out
    }

    // MARK: Tables

    func tables() -> String {
        var out = "<section id=\"tables\">\n<h2>Tables</h2>\n"
        func n(_ v: Int64) -> String { ReportFormatter.number(Double(v)) }
        func ms(_ v: Double) -> String { ReportFormatter.ms(v) }
        out += table("workloads", "Outcomes and latency per workload (latency of committed requests, from arrival, in ms)",
                     ["workload", "submitted", "committed", "declined", "aborted", "failed", "p50", "p99", "p99.9", "max"],
                     Workload.allCases.compactMap { w in
                         report.workloads[w.name].map { r in
                             [w.displayName, n(r.submitted), n(r.committed), n(r.declined), n(r.aborted), n(r.failed),
                              ms(r.latency_ms.p50), ms(r.latency_ms.p99), ms(r.latency_ms.p999), ms(r.latency_ms.max)]
                         }
                     })
        out += table("nodes", "Nodes at the end", ["node", "state", "requests", "errors", "refused", "breaker", "breaker opens"],
                     report.nodes.map { [$0.name, $0.state, n($0.requests), n($0.errors), n($0.refused), $0.breaker, n($0.breaker_opens)] })
        out += table("shards", "Shards", ["shard", "commits", "lock waits", "refused", "crashes"],
                     report.shards.map { [$0.name, n($0.commits), n($0.lock_waits), n($0.refused), n($0.crashes)] })
        out += table("queues", "Queues at the end", ["topic", "group", "depth", "lag", "redeliveries", "duplicates caught"],
                     report.queues.map { [$0.topic, $0.group, n($0.depth), n($0.lag), n($0.redeliveries), n($0.duplicates_caught)] })
        out += table("actions", "Action log: every change to the platform", ["#", "time", "who", "how", "command"],
                     report.actions.enumerated().map { i, a in ["\(i + 1)", clock(a.at_s), a.who, a.via, a.command] })
        let shown = events.suffix(HTMLReport.eventRows)
        let caption = eventsTotal > Int64(shown.count)
            ? "Event log: the latest \(shown.count) of \(ReportFormatter.number(Double(eventsTotal))) events"
            : "Event log: every event"
        out += table("events", caption, ["time", "severity", "event"], shown.map { [$0.time.clockText, "\($0.severity)", $0.message] })
        out += "</section>\n"
        return out
    }

    func table(_ id: String, _ caption: String, _ head: [String], _ rows: [[String]]) -> String {
        var out = "<table id=\"table-\(id)\">\n<caption>\(esc(caption))</caption>\n<thead><tr>"
        for h in head { out += "<th scope=\"col\">\(esc(h))</th>" }
        out += "</tr></thead>\n<tbody>\n"
        if rows.isEmpty { out += "<tr><td colspan=\"\(head.count)\">none</td></tr>\n" }
        for r in rows { out += "<tr>" + r.map { "<td>\(esc($0))</td>" }.joined() + "</tr>\n" }
        out += "</tbody>\n</table>\n"
        return out
    }

    // MARK: Helpers

    func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }
    func fmt(_ v: Double) -> String {
        if abs(v) >= 100 || v == v.rounded() { return ReportFormatter.number(v) }
        return String(format: abs(v) >= 10 ? "%.1f" : "%.2f", v)
    }
    func clock(_ seconds: Double) -> String {
        let c = SimTime(microseconds: Int64((seconds * 1_000_000).rounded())).clockText
        return c.hasPrefix("00:") ? String(c.dropFirst(3)) : c
    }

    /// 1, 2 or 5 times a power of ten, at or above `v`.
    static func niceCeiling(_ v: Double) -> Double {
        let p = pow(10, floor(log10(v)))
        for m in [1.0, 2, 2.5, 5, 10] where m * p >= v { return m * p }
        return 10 * p
    }

    /// A time step giving 4 to 12 ticks.
    static func timeStep(_ end: Double) -> Double {
        for s in [1.0, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 14_400] where end / s <= 12 { return s }
        return 28_800
    }

    static let css = """
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;background:#fff;margin:0 auto;max-width:1000px;padding:16px}
    h1{font-size:22px;margin:0}h2{font-size:18px;border-bottom:1px solid #ccc;margin-top:28px}h3{font-size:15px;margin:18px 0 4px}
    .sub{color:#555;margin:2px 0 12px}
    .verdict{font-size:18px;font-weight:700;padding:6px 10px;display:inline-block;border:2px solid}
    .verdict.held{color:#0072b2}.verdict.failed{color:#d55e00}
    dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}dt{font-weight:600}dd{margin:0;word-break:break-word}
    ul.checks{list-style:none;padding:0}ul.checks li{margin:2px 0}
    li.ok .mark{color:#0072b2;font-weight:700}li.bad .mark{color:#d55e00;font-weight:700}
    .sr{position:absolute;left:-9999px}
    figure{margin:12px 0 22px;page-break-inside:avoid}figcaption{color:#444;font-size:12px}
    svg.chart{width:100%;height:auto;background:#fff}
    svg text{font-size:11px;fill:#333}
    .grid{stroke:#e3e3e3}.tick{stroke:#888}.unit{font-weight:600}
    path.series{fill:none;stroke-width:1.6}
    line.slo{stroke:#d55e00;stroke-width:1.2;stroke-dasharray:8 4}text.slo-label{fill:#d55e00}
    .marker line{stroke:#555;stroke-dasharray:3 3}.marker.operator line{stroke:#cc79a7}.marker text{font-size:10px;font-weight:700}
    ul.legend{list-style:none;padding:0;margin:2px 0;display:flex;flex-wrap:wrap;gap:14px;font-size:12px}
    ul.legend svg{vertical-align:middle;margin-right:4px}
    table{border-collapse:collapse;margin:10px 0 18px;font-size:12px;width:100%}caption{text-align:left;font-weight:600;padding:4px 0}
    th,td{border:1px solid #ddd;padding:2px 6px;text-align:right}th:first-child,td:first-child{text-align:left}
    #table-events td:last-child,#table-actions td:last-child{text-align:left}
    .note{color:#555;font-size:12px}footer{color:#777;font-size:11px;margin-top:24px}
    @media print{body{max-width:none}h2{page-break-after:avoid}}
    """
}
