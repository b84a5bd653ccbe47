import ArgumentParser
import Foundation
import PaySim

/// `payops fuzz`: runs seeded random platforms, workloads and fault
/// schedules, and checks every property payops promises after each.
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Run seeded random platforms and fault schedules and check that the ledger, the clients and the log agree.",
        discussion: """
            Each seed draws a platform shape, a workload, a schedule of faults from the whole command language \
            (every one healed before the end) and crash points, runs it, lets it drain, and checks: the ledger is \
            balanced; nothing is in doubt or stuck; every request its client was told committed is in the ledger; \
            every top-up callback was produced, consumed and matched with its card charge once; no charge is left \
            without a credit or a reversal; and no assertion in the engine fired. Under 3PC, transactions split by \
            a partition are expected and counted. The same seed always gives the same result.
            """
    )

    @Option(help: "How many seeds to run.") var seeds: Int = 20
    @Option(help: "The first seed.") var from: UInt64 = 1
    @Option(help: "Simulated time of arrivals per seed, e.g. 2m.") var duration: String = "2m"
    @Option(name: .customLong("protocol"), help: "2pc, 3pc, or mixed (each seed picks, and may switch mid-run).")
    var commitProtocol: String = "mixed"
    @Option(help: "Where a failing seed's schedule is written as a scenario file.") var keep: String = "."
    @Flag(help: "One JSON object per seed.") var json = false
    @Option(help: ArgumentHelp("Print every commit-protocol step of the request with this id, what its client was told, and the event log.",
                               valueName: "request-id"))
    var trace: Int64?

    func validate() throws {
        guard (1...1_000_000).contains(seeds) else { throw ValidationError("--seeds: expected 1...1000000, got \(seeds)") }
        guard FuzzCase.Protocols(rawValue: commitProtocol.lowercased()) != nil else {
            throw ValidationError("--protocol: '\(InputText.shown(commitProtocol))' is not one of 2pc, 3pc, mixed")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: keep, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--keep: '\(InputText.shown(keep, limit: 200))' is not a directory")
        }
        if let trace {
            guard seeds == 1 else { throw ValidationError("--trace follows one request of one seed: use it with --seeds 1") }
            guard trace >= 1 else { throw ValidationError("--trace: expected a request id (1 or more), got \(trace)") }
        }
    }

    struct Line: Encodable {
        var seed: UInt64
        var passed: Bool
        var failures: [String]
        var divergences: Int
        var decisions: Int
        var reconciliation_breaks: Int64
        var failed_but_applied: Int
        var requests: Int64
        var events: Int64
        var wall_s: Double
    }

    func run() throws {
        let length = try parseDuration(duration, flag: "--duration")
        guard Limits.runDurationMicroseconds.contains(length.microseconds) else {
            throw ValidationError("--duration: \(length) is out of range; expected \(Limits.runDurationMicroseconds.text)")
        }
        let protocols = FuzzCase.Protocols(rawValue: commitProtocol.lowercased())!
        let clock = ContinuousClock()
        let start = clock.now
        var failed: [UInt64] = []
        var divergences = 0, withDivergence = 0, failedButApplied = 0, decisions = 0
        var breaks: Int64 = 0
        var requests: Int64 = 0
        for i in 0..<UInt64(seeds) {
            let seed = from &+ i
            let c = FuzzCase(seed: seed, duration: length, protocols: protocols)
            // Written before the run, so a crash (an assertion in the
            // engine) leaves the schedule behind; removed if the seed passes.
            let path = (keep as NSString).appendingPathComponent("fuzz-\(seed).scenario")
            try? c.scenarioText.write(toFile: path, atomically: true, encoding: .utf8)
            printError("payops fuzz: seed \(seed) …")
            let t0 = clock.now
            let r = c.run(traceKey: trace, trace: trace == nil ? nil : { print("  trace: \($0)") })
            let wall = (clock.now - t0).inSeconds
            requests += r.requests
            divergences += r.divergences
            decisions += r.decisions
            breaks += r.reconciliationBreaks
            if r.divergences > 0 { withDivergence += 1 }
            failedButApplied += r.failedButApplied
            if r.passed {
                try? FileManager.default.removeItem(atPath: path)
            } else {
                failed.append(seed)
            }
            if json {
                try printJSONLine(Line(seed: seed, passed: r.passed, failures: r.failures, divergences: r.divergences,
                                       decisions: r.decisions, reconciliation_breaks: r.reconciliationBreaks, failed_but_applied: r.failedButApplied, requests: r.requests, events: r.events, wall_s: wall))
            } else {
                let shape = "\(c.config.shards) shards, \(c.config.nodes) nodes, \(c.config.commitProtocol)\(c.threePhase && c.config.commitProtocol == .twoPhase ? "→3pc" : ""), \(OperatorCommand.number(c.config.baseRateTPS)) tps, \(c.steps.count) steps"
                print("seed \(seed): \(r.passed ? "ok" : "FAILED")  \(shape); \(Money.grouped(r.requests)) requests\(r.divergences > 0 ? ", \(r.divergences) split by 3PC\(r.decisions > 0 ? " (\(r.decisions) decided against aborted participants)" : "")" : "")\(r.reconciliationBreaks > 0 ? ", \(r.reconciliationBreaks) reconciliation breaks" : "") (\(String(format: "%.1f", wall)) s)")
                for f in r.failures { print("  \(f)") }
                if !r.passed {
                    print("  reproduce: payops fuzz --seeds 1 --from \(seed) --duration \(length) --protocol \(protocols.rawValue)\(r.suspect.map { " --trace \($0)" } ?? ""); schedule: \(path)")
                }
            }
        }
        let wall = (clock.now - start).inSeconds
        if !json {
            print("\(seeds) seeds from \(from), \(length) each: \(seeds - failed.count) passed, \(failed.count) failed; \(Money.grouped(requests)) requests; \(divergences) transactions split by 3PC in \(withDivergence) seeds (\(decisions) decided against aborted participants), found as \(Money.grouped(breaks)) reconciliation breaks; \(failedButApplied) clients told failed whose transaction later committed; \(String(format: "%.0f", wall)) s")
        }
        if !failed.isEmpty { throw ExitCode(1) }
    }
}
