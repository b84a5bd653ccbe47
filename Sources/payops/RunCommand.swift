import ArgumentParser
import Console
import Foundation
import PaySim

/// `payops run`: the whole platform, headless and as fast as it will go.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the simulation headless and print a report."
    )

    @Option(help: "Simulated time to run arrivals for, e.g. 10m, 90s, 1h, 1m30s.")
    var duration: String = "10m"

    @OptionGroup var model: ModelOptions

    @Option(help: "A drill by name (see 'payops scenarios') or a scenario file: lines of 'at <time> <command>' and 'slo <threshold>'.")
    var scenario: String?

    @Option(name: .customLong("slo"), help: ArgumentHelp("A threshold the run must hold, e.g. 'payment.p99 < 300ms', 'topup.success > 99% over 30s', 'lag.wallet-credit < 30s' (repeatable). A breach makes the exit code 3.", valueName: "expr"))
    var slo: [String] = []

    @Flag(help: "Stop at the first breach of a threshold and report (exit code 3).")
    var abortOnBreach = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Record the session to this file (JSON lines) for 'payops replay'.", valueName: "file"))
    var record: String?

    @OptionGroup var exportOptions: ExportOptions

    @Option(help: ArgumentHelp("Pace the run at this many simulated seconds per wall second (0.1 to 1000), as a live session goes, e.g. for a scraper to watch it; by default it runs as fast as it can.", valueName: "speed"))
    var pace: Double?

    func validate() throws {
        if let pace, !(pace.isFinite && pace >= 0.1 && pace <= 1_000) {
            throw ValidationError("--pace: \(pace) is out of range; expected 0.1 to 1000 simulated seconds per wall second")
        }
    }

    mutating func run() throws {
        let config = try model.makeConfig()
        let length = try parseDuration(duration, flag: "--duration")
        guard Limits.runDurationMicroseconds.contains(length.microseconds) else {
            throw ValidationError("--duration: \(length) is out of range; expected \(Limits.runDurationMicroseconds.text) of simulated time")
        }
        let loaded = try scenario.map { try loadScenario($0, shape: PlatformShape(config)) }
        let drill = loaded?.scenario
        let steps = drill?.steps ?? []
        let extra = try parseThresholds(slo)
        let thresholds = extra + (drill?.thresholds ?? [])
        if abortOnBreach && thresholds.isEmpty {
            throw ValidationError("--abort-on-breach: the run has no thresholds; add --slo 'payment.p99 < 300ms' or slo lines to the scenario")
        }
        let file = InputText.shown(scenario ?? "", limit: 200)
        // The console's clock is the only one pause stops; a headless run has none.
        if let step = steps.first(where: { $0.command == .pause || $0.command == .resume }) {
            throw ValidationError("--scenario: \(file):\(step.line):\(step.column): '\(step.command)' acts on the console's clock; a headless run has none to pause")
        }
        let late = steps.filter { $0.at > length }
        for step in late.prefix(3) {
            printError("payops: \(file):\(step.line): at \(step.at) is after the run's \(length) of arrivals; the step will not run")
        }
        if late.count > 3 {
            printError("payops: \(file): \(late.count - 3) more steps after the run's \(length) of arrivals will not run")
        }
        let header = model.recordingHeader(kind: "run", thresholds: extra, drill: loaded.map { ($0.name, $0.text) },
                                           duration: length, abortOnBreach: self.abortOnBreach)
        let recorder = try record.map { try RecordingWriter(path: $0, header: header) }
        let exports = try Exports(exportOptions)
        let context = model.reportContext(kind: "run", drill: loaded?.name, thresholds: thresholds)
        let backends = try model.makeBackends()
        // The keys this run writes are removed on every way out of here.
        defer { for problem in backends.cleanUp() { printError("payops: \(problem)") } }
        let sim = Simulation(config: config, cache: backends.cache, log: backends.log)
        if let loaded {
            sim.followDrill(loaded.scenario, name: loaded.name, thresholds: extra)
        } else {
            sim.setThresholds(thresholds)
        }
        exports.attach(sim, recorder: recorder)
        var breachedAt: SimTime?
        // Ctrl-C, SIGTERM and SIGHUP stop the run at the next simulated
        // second, so the keys it wrote to Redis are removed before it exits.
        StopSignals.install()
        var stoppedBy: Int32 = 0
        let progress = Progress(total: length)
        defer { progress.finish() }
        let abortOnBreach = self.abortOnBreach
        let pace = self.pace
        let wallStart = ContinuousClock.now
        let stop = {
            progress.update(sim.now)
            exports.publish(sim)
            if let pace {
                let due = wallStart + .microseconds(Int64(Double(sim.nowMicros) / pace))
                let wait = due - ContinuousClock.now
                if wait > .zero { Thread.sleep(forTimeInterval: wait.inSeconds) }
            }
            if stoppedBy == 0 { stoppedBy = StopSignals.take() }
            if abortOnBreach && breachedAt == nil && sim.anyThresholdBreached { breachedAt = sim.now }
            return stoppedBy != 0 || breachedAt != nil
        }
        // Where arrivals stopped: what a replay runs to before it finishes the same way.
        let ending: Recording.Ending
        if sim.advanceHeadless(to: SimTime(microseconds: length.microseconds), shouldStop: stop) {
            ending = .arrivalsEnded
        } else {
            ending = stoppedBy != 0 ? .interrupted : .stoppedOnBreach
        }
        let recordEnd = (at: sim.now, event: sim.processedEvents)
        if ending == .arrivalsEnded {
            sim.finishRun(shouldStop: stop, afterDrain: { RunCommand.waitForBackends(sim, stop: stop) })
        }
        if stoppedBy != 0 {
            recorder?.finish(at: recordEnd.at, event: recordEnd.event, ending: .interrupted, report: nil)
            exports.finish(sim, report: nil, context: context)
            printError("payops: stopped by \(signalName(stoppedBy)) at \(sim.now.clockText) of simulated time; no report")
            throw ExitCode(128 + stoppedBy)
        }
        for (i, error) in sim.drillRefusals {
            printError("payops: \(file):\(steps[i].line): at \(steps[i].at) '\(steps[i].command)' was refused: \(error)")
        }
        let report = sim.report(duration: length, breachedAt: breachedAt)
        recorder?.finish(at: recordEnd.at, event: recordEnd.event, ending: ending, report: report)
        exports.finish(sim, report: report, context: context)
        try printReport(report, json: json)
        if !json {
            let shared = backends.cache != nil && backends.cache?.pipe === backends.log?.pipe
            let pipes = shared ? [("cache and message log", backends.cache?.pipe)] : [("cache", backends.cache?.pipe), ("message log", backends.log?.pipe)]
            for (name, pipe) in pipes {
                guard let pipe, pipe.roundTrips > 0 else { continue }
                print("\(name) on Redis: \(ReportFormatter.number(Double(pipe.commandsSent))) commands in \(ReportFormatter.number(Double(pipe.roundTrips))) round trips (\(String(format: "%.1f", Double(pipe.commandsSent) / Double(pipe.roundTrips))) per trip)")
            }
        }
        try exitForVerdict(report)
    }
}

/// Prints a run's report, as text or JSON.
func printReport(_ report: RunReport, json: Bool) throws {
    print(json ? try ReportFormatter.json(report) : ReportFormatter.text(report))
}

/// Exit 1 for ledger or reconciliation faults, 3 for a breached threshold.
func exitForVerdict(_ report: RunReport) throws {
    if !report.ledger.balanced || report.reconciliation.breaks > 0 { throw ExitCode(1) }
    if report.slo?.contains(where: { !$0.held }) == true { throw ExitCode(3) }
}

/// Parses `--slo` expressions; a bad one names itself, the column and what is valid.
func parseThresholds(_ expressions: [String]) throws -> [SLOThreshold] {
    try expressions.map { e in
        do {
            return try SLOThreshold.parse(e, groups: Simulation.groupNames)
        } catch {
            throw ValidationError("--slo '\(InputText.shown(e, limit: 120))': \(error)")
        }
    }
}

func signalName(_ s: Int32) -> String {
    switch s {
    case SIGINT: "SIGINT"
    case SIGTERM: "SIGTERM"
    case SIGHUP: "SIGHUP"
    default: "signal \(s)"
    }
}

extension RunCommand {
    static let backendWait: Duration = .seconds(30)

    /// A run faster than real time can pass a server's short outage in a
    /// blink of wall time and end with messages still held and top-ups not
    /// credited. If a server is down when the drain ends, the run goes on in
    /// real time for up to `backendWait` for it to come back; true when it
    /// did, so the run drains once more.
    static func waitForBackends(_ sim: Simulation, stop: () -> Bool) -> Bool {
        guard sim.backendDown else { return false }
        let held = sim.heldByLog
        printError("payops: a Redis backend is down at the end of the run (\(Money.grouped(Int64(held.messages))) messages held, \(Money.grouped(Int64(held.topups))) top-ups waiting for their credit); waiting up to \(backendWait.components.seconds) s for it")
        let clock = ContinuousClock()
        let deadline = clock.now + backendWait
        while sim.backendDown && clock.now < deadline && !stop() {
            Thread.sleep(forTimeInterval: 0.1)
            sim.advance(to: SimTime(microseconds: sim.now.microseconds + 100_000))
        }
        if sim.backendDown {
            printError("payops: still down after \(backendWait.components.seconds) s; the report shows what is held")
            return false
        }
        return !stop()
    }
}

/// Progress of a long headless run on stderr, when stderr is a terminal:
/// simulated time against the run's, wall time, and an estimate of the rest.
/// It appears after a few seconds and is redrawn in place twice a second.
final class Progress {
    let total: SimDuration
    let enabled = isatty(STDERR_FILENO) == 1
    let clock = ContinuousClock()
    let start: ContinuousClock.Instant
    var lastDrawn: ContinuousClock.Instant?
    var shown = false

    init(total: SimDuration) {
        self.total = total
        start = clock.now
    }

    func update(_ now: SimTime) {
        guard enabled else { return }
        let t = clock.now
        let wall = (t - start).inSeconds
        guard wall >= 3, lastDrawn.map({ (t - $0).inSeconds >= 0.5 }) ?? true else { return }
        lastDrawn = t
        let done = min(1, now.seconds / max(total.seconds, 1e-9))
        let eta = done > 0 && done < 1 ? " · about \(Int((wall / done - wall).rounded())) s left" : ""
        let line = "payops: simulated \(now.clockText) of \(SimTime(microseconds: total.microseconds).clockText) (\(Int(done * 100))%) in \(Int(wall)) s of wall time\(eta)"
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
        shown = true
    }

    /// Clears the line, so what comes next starts clean.
    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        shown = false
    }
}

/// Finds a drill by name (the operator's own, then the shipped ones) or
/// reads a scenario file by path, and parses it; any problem is a usage
/// error naming the drill or file, line and column.
func loadScenario(_ nameOrPath: String, shape: PlatformShape) throws -> LoadedDrill {
    let entry: DrillCatalog.Entry
    do {
        entry = try DrillCatalog.standard(environment: ProcessInfo.processInfo.environment).resolve(nameOrPath)
    } catch {
        throw ValidationError("--scenario: \(error)")
    }
    do {
        // A file is known by its name without the folder and extension.
        let name = entry.origin == "file" ? URL(fileURLWithPath: entry.path).deletingPathExtension().lastPathComponent : entry.name
        return LoadedDrill(scenario: try Scenario.parse(entry.text, file: entry.path, shape: shape), name: name, text: entry.text)
    } catch {
        throw ValidationError("--scenario: \(error)")
    }
}

/// A drill as found: parsed, with its name and its text (which a recording keeps).
struct LoadedDrill {
    var scenario: Scenario
    var name: String
    var text: String
}

/// Renders a run report for people and for scripts.
enum ReportFormatter {
    static func json(_ report: RunReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    static func text(_ r: RunReport) -> String {
        var out = "payops run: seed \(r.run.seed), \(SimDuration.fromSeconds(r.run.duration_s)) of arrivals at \(number(r.run.rate_tps_base)) tps (\(r.run.mix)), \(r.run.shards) shards, \(r.commit.protocol)\n"
        out += "cache \(r.cache.backend): hit rate \(String(format: "%.1f", r.cache.hit_rate * 100))% (\(number(Double(r.cache.hits))) hits, \(number(Double(r.cache.misses))) misses)"
        if let server = r.cache.server {
            out += "; server counted \(number(Double(server["keyspace_hits"] ?? 0))) hits, \(number(Double(server["keyspace_misses"] ?? 0))) misses, \(number(Double(server["evicted_keys"] ?? 0))) evicted, \(number(Double(server["expired_keys"] ?? 0))) expired"
        }
        out += "\nmessage log \(r.queue_backend): " + r.queues.map { "\($0.group) lag \(number(Double($0.lag)))" }.joined(separator: ", ") + "\n"
        let l = r.load.per_s
        out += "load per second: offered \(number(l.offered)), attempts \(number(l.attempts)) (retries \(number(l.retries))), shed \(number(l.shed)) (rate-limited \(number(l.limited))), goodput \(number(l.goodput))\n"
        if !r.load.shed_by_reason.isEmpty {
            out += "shed: " + r.load.shed_by_reason.sorted { $0.key < $1.key }.map { "\($0.key) \(number(Double($0.value)))" }.joined(separator: ", ")
            out += r.load.retries_refused_by_budget > 0 ? "; \(number(Double(r.load.retries_refused_by_budget))) retries refused by the budget\n" : "\n"
        }
        out += "\n" + pad("workload", 10) + lpad("submitted", 11) + lpad("committed", 11) + lpad("declined", 10) + lpad("aborted", 9)
            + lpad("failed", 8) + lpad("p50 ms", 9) + lpad("p99 ms", 9) + lpad("p99.9 ms", 10) + lpad("fail p99", 10) + "\n"
        for name in ["payment", "topup", "trade"] {
            guard let w = r.workloads[name] else { continue }
            out += pad(name, 10) + lpad(number(Double(w.submitted)), 11) + lpad(number(Double(w.committed)), 11)
                + lpad(number(Double(w.declined)), 10) + lpad(number(Double(w.aborted)), 9) + lpad(number(Double(w.failed)), 8)
                + lpad(ms(w.latency_ms.p50), 9) + lpad(ms(w.latency_ms.p99), 9) + lpad(ms(w.latency_ms.p999), 10)
                + lpad(w.aborted + w.failed > 0 ? ms(w.failure_latency_ms.p99) : "–", 10) + "\n"
        }
        out += "latency is for committed requests, from arrival; fail p99 is arrival to the failure the client saw\n"
        let g = r.gateway
        out += "\ncard gateway: \(number(Double(g.approved))) approved, \(number(Double(g.declined))) declined, \(number(Double(g.unknown_outcomes))) unknown outcomes reversed (\(number(Double(g.reversals))) charges voided, \(number(Double(g.reversals_pending))) reversals pending, \(number(Double(g.late_approvals))) late approvals ignored)\n"
        if r.in_flight_at_end > 0 || r.uncredited_topups > 0 {
            out += "at the end: \(number(Double(r.in_flight_at_end))) requests in flight, \(number(Double(r.uncredited_topups))) top-ups waiting for their credit\n"
        }
        let c = r.commit
        out += "\ncommit (\(c.protocol)): \(number(Double(c.prepared))) prepared, \(number(Double(c.committed))) committed, \(number(Double(c.aborted))) aborted, \(number(Double(c.local_commits))) single-shard\n"
        out += "  in doubt now \(c.in_doubt), ever \(c.in_doubt_total); \(number(Double(c.lock_waits))) lock waits; \(number(Double(c.messages))) messages (\(number(Double(c.messages_dropped))) dropped); \(number(Double(c.fsyncs))) fsyncs\n"
        if r.ledger.balanced {
            out += "ledger: balanced (\(number(Double(r.ledger.transactions_checked))) transactions checked)\n"
        } else {
            out += "ledger: \(r.ledger.violation_count) VIOLATION\(r.ledger.violation_count == 1 ? "" : "S")\n"
            for v in r.ledger.violations.prefix(20) { out += "  \(v.message)\n" }
        }
        let p = r.payments, t = r.topups, tr = r.trades, po = r.payouts, rc = r.reconciliation
        func n(_ v: Int64) -> String { number(Double(v)) }
        func money(_ v: Int64) -> String { Money(minorUnits: v).description }
        out += "\npayments: \(n(p.authorised)) authorised, \(n(p.captured)) captured (\(money(p.captured_minor)); \(n(p.partial_captures)) partial), \(n(p.voided)) voided, \(n(p.expired)) expired; \(n(p.refunded)) refunds (\(money(p.refunded_minor))), \(n(p.chargebacks)) chargebacks (\(money(p.chargebacks_minor))); \(n(Int64(p.holds_open))) holds open (\(money(p.holds_open_minor)))\n"
        out += "top-ups: \(n(t.authorised)) authorised, \(n(t.captured)) captured, \(n(t.reversed)) reversed, \(n(t.unknown_outcomes)) unknown outcomes\n"
        out += "trades: \(n(tr.accepted)) accepted, \(n(tr.settled)) settled, \(n(tr.settlement_failed)) settlement failed (\(n(tr.failed_attempts)) failed attempts), \(n(Int64(tr.awaiting))) awaiting settlement\n"
        out += "payouts: \(n(po.batches)) batches, \(n(po.transactions)) transactions paid \(money(po.paid_minor)), \(n(po.failed)) failed, \(n(po.retries)) retries\n"
        out += sloText(r)
        out += actionsText(r)
        if rc.breaks == 0 {
            out += "reconciliation: clean (\(n(rc.checked)) records matched, \(n(Int64(rc.open))) open, lag \(rc.lag_s) s)\n"
        } else {
            out += "reconciliation: \(rc.breaks) BREAK\(rc.breaks == 1 ? "" : "S") (\(n(rc.checked)) records checked, \(n(Int64(rc.open))) open, lag \(rc.lag_s) s)\n"
            for b in rc.break_list.prefix(20) { out += "  \(b.kind.rawValue): \(b.message)\n" }
        }
        return out
    }

    /// Who changed what, and when: the drill's steps and any operator's.
    static func actionsText(_ r: RunReport) -> String {
        guard !r.actions.isEmpty else { return "actions: none\n" }
        var out = "actions: \(r.actions.count + r.actions_dropped)"
        if r.actions.count > 20 { out += " (the first 20; all in the JSON\(r.actions_dropped > 0 ? ", less the \(r.actions_dropped) oldest" : ""))" }
        out += "\n"
        for a in r.actions.prefix(20) {
            out += "  \(SimTime(microseconds: Int64((a.at_s * 1_000_000).rounded())).clockText)  \(a.who) (\(a.via)): \(a.command)\n"
        }
        return out
    }

    /// The thresholds, each with ✓ or ✗, its worst window and its breaches.
    static func sloText(_ r: RunReport) -> String {
        guard let slo = r.slo, !slo.isEmpty else { return "" }
        var out = "thresholds: \(slo.filter(\.held).count) of \(slo.count) held"
        if let at = r.aborted_on_breach_at_s { out += "; the run was stopped at the first breach, \(SimTime(microseconds: Int64(at * 1_000_000)).clockText)" }
        out += "\n"
        for s in slo {
            let worst = s.worst_text.map { w in " · worst \(w)" + (s.worst_at_s.map { " at \(SimTime(microseconds: Int64($0 * 1_000_000)).clockText)" } ?? "") } ?? " · nothing measured"
            let breaches = s.held ? "" : " · breached \(s.breaches) time\(s.breaches == 1 ? "" : "s"), \(s.breached_s) s in all"
            out += "  \(s.held ? "✓" : "✗") \(s.threshold)\(worst)\(breaches)\n"
        }
        return out
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    static func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
    static func ms(_ v: Double) -> String { String(format: v < 10 ? "%.2f" : "%.1f", v) }
    /// Groups thousands: 1,234,567.
    static func number(_ v: Double) -> String { Money.grouped(Int64(v.rounded())) }
}
