import ArgumentParser
import Console
import Foundation
import PaySim
import RedisBackend

/// `payops bench …`: speed measurements that belong outside unit tests.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the engine's and the Redis backend's speed.",
        subcommands: [MMcBench.self, CacheBench.self, CapacityBench.self, FramesBench.self]
    )
}

/// An M/M/c queue on the simulator's kernel, against Erlang C.
struct MMcBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mmc", abstract: "Run an M/M/c queue and compare it with Erlang C.")

    @Option(help: "Customers to serve.") var customers: Int = 1_000_000
    @Option(help: "Arrival rate λ per second.") var lambda: Double = 90
    @Option(help: "Service rate μ per second per server.") var mu: Double = 10
    @Option(help: "Servers c.") var servers: Int = 10
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard customers >= 1 && customers <= 1_000_000_000 else { throw ValidationError("--customers: expected 1...1000000000, got \(customers)") }
        guard Limits.queueModelRatePerSecond.contains(lambda) else {
            throw ValidationError("--lambda: expected an arrival rate of \(Limits.queueModelRatePerSecond.text), got \(lambda)")
        }
        guard Limits.queueModelRatePerSecond.contains(mu) else {
            throw ValidationError("--mu: expected a service rate of \(Limits.queueModelRatePerSecond.text), got \(mu)")
        }
        guard servers >= 1 && servers <= 100_000 else { throw ValidationError("--servers: expected 1...100000, got \(servers)") }
        guard lambda < Double(servers) * mu else {
            throw ValidationError("--lambda: \(lambda) ≥ c·μ = \(Double(servers) * mu); the queue would grow without bound")
        }
        // The kernel keeps time in microseconds in 64 bits: the run must fit, with room for the tail.
        let expectedSeconds = Double(customers) / lambda
        guard expectedSeconds <= Limits.queueModelSeconds else {
            throw ValidationError("--customers: \(customers) customers at λ = \(lambda)/s would take about \(Int(expectedSeconds)) simulated seconds; at most \(Int(Limits.queueModelSeconds)) fit")
        }
    }

    struct Output: Encodable {
        var customers: Int
        var mean_wait_s: Double
        var erlang_c_wait_s: Double
        var wall_s: Double
        var customers_per_s: Double
    }

    func run() throws {
        let model = MMcQueueModel(arrivalRate: lambda, serviceRate: mu, servers: servers, seed: seed)
        let clock = ContinuousClock()
        let start = clock.now
        let result = model.run(customers: customers)
        let wall = (clock.now - start).inSeconds
        let out = Output(customers: result.customers, mean_wait_s: result.meanWaitSeconds,
                         erlang_c_wait_s: model.erlangCMeanWaitSeconds, wall_s: wall,
                         customers_per_s: Double(result.customers) / wall)
        if json {
            try printJSONLine(out)
        } else {
            // With no queue at all (many servers, fast service) both waits are 0.
            let diff = out.erlang_c_wait_s > 0 ? (out.mean_wait_s / out.erlang_c_wait_s - 1) * 100 : 0
            print("M/M/\(servers)  λ=\(lambda)  μ=\(mu)  seed \(seed)")
            print("customers          \(out.customers)")
            print("mean wait          \(String(format: "%.6f", out.mean_wait_s)) s")
            print("Erlang C mean wait \(String(format: "%.6f", out.erlang_c_wait_s)) s  (\(String(format: "%+.2f", diff))%)")
            print("wall               \(String(format: "%.3f", out.wall_s)) s")
            print("customers/s        \(String(format: "%.0f", out.customers_per_s))")
        }
    }
}

/// GET and SET through the Redis cache tier, pipelined as the simulation
/// pipelines a slice: `--batch` commands per round trip, half SETs (held
/// and sent with the next round trip) and half GETs (`getMany`).
struct CacheBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cache", abstract: "GET/SET throughput of the Redis cache tier.")

    @Option(help: ArgumentHelp("The Redis server to measure.", valueName: "redis://[user[:password]@]host:port[/db]"))
    var cache: String
    @Option(help: "GETs plus SETs to send (1000...100000000).") var ops: Int = 2_000_000
    /// 800 commands in flight, as redis-benchmark's default 50 clients × -P 16.
    @Option(help: "Commands per round trip (2...100000); the default 800 has as many in flight as redis-benchmark's 50 clients × -P 16.")
    var batch: Int = 800
    @Option(help: "Distinct keys (1...10000000); redis-benchmark uses one unless given -r.") var keys: Int = 1_000
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard (1_000...100_000_000).contains(ops) else { throw ValidationError("--ops: expected 1000...100000000, got \(ops)") }
        guard (2...100_000).contains(batch) else { throw ValidationError("--batch: expected 2...100000, got \(batch)") }
        guard batch <= ops else { throw ValidationError("--batch: \(batch) commands per round trip is more than the \(ops) --ops to send") }
        guard (1...10_000_000).contains(keys) else { throw ValidationError("--keys: expected 1...10000000, got \(keys)") }
    }

    struct Output: Encodable {
        var backend: String
        var ops: Int
        var batch: Int
        var round_trips: Int64
        var hits: Int64
        var misses: Int64
        var wall_s: Double
        var ops_per_s: Double
    }

    func run() throws {
        let backends = try Backends(cacheURL: cache, queueURL: nil, capacity: keys)
        guard let tier = backends.cache else { return }
        // Ctrl-C, SIGTERM and SIGHUP end the bench at the next round trip; the
        // keys it wrote are removed on every way out.
        StopSignals.install()
        defer { for problem in backends.cleanUp() { printError("payops: \(problem)") } }
        var rng = SeededRandom(seed: 7)
        let ttl = SimDuration.seconds(600)
        let clock = ContinuousClock()
        let roundTripsBefore = tier.pipe.roundTrips
        let start = clock.now
        var sent = 0
        // Whole rounds of --batch, and a last one with what is left: exactly --ops.
        while sent < ops {
            let size = min(batch, ops - sent)
            let half = size / 2
            for _ in 0..<half {
                let id = Int64(rng.nextInt(below: keys))
                tier.set(CacheKey(.account, id), value: id, ttl: ttl, now: 0)
            }
            let getKeys = (0..<(size - half)).map { _ in CacheKey(.account, Int64(rng.nextInt(below: keys))) }
            _ = tier.getMany(getKeys, now: 0)
            guard tier.isAvailable else { throw ValidationError("--cache: \(tier.lastError.map { "\($0)" } ?? "the server went away")") }
            sent += size
            let signal = StopSignals.take()
            if signal != 0 {
                printError("payops: stopped by \(signalName(signal)) after \(sent) of \(ops) operations; removing this run's keys")
                throw ExitCode(128 + signal)
            }
        }
        let wall = (clock.now - start).inSeconds
        let total = tier.stats.total
        let out = Output(backend: tier.backendName, ops: sent, batch: batch, round_trips: tier.pipe.roundTrips - roundTripsBefore,
                         hits: total.hits, misses: total.misses, wall_s: wall, ops_per_s: Double(sent) / wall)
        if json {
            try printJSONLine(out)
        } else {
            print("cache bench on \(out.backend): \(out.ops) ops (\(batch / 2) SET + \(batch - batch / 2) GET per round trip), \(keys) keys")
            print("round trips   \(out.round_trips)")
            print("hits/misses   \(out.hits)/\(out.misses)")
            print("wall          \(String(format: "%.3f", out.wall_s)) s")
            print("ops/s         \(String(format: "%.0f", out.ops_per_s))")
        }
    }
}

/// The platform's capacity: one headless run per offered rate, and what
/// came of it. The knee is where goodput stops following the offered load.
struct CapacityBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "Sweep the offered rate and report goodput, failures and latency at each step.")

    @Option(help: "Offered rates in requests per second, comma separated.")
    var rates = "1000,2000,3000,4000,5000,6000,8000,10000,15000,20000"
    @Option(help: "Simulated time of arrivals per step, e.g. 1m.")
    var duration = "1m"
    @Option(name: .customLong("retry-budget"), help: "on (the default, 20% of requests) or off.")
    var retryBudget = "on"
    @OptionGroup var model: ModelOptions
    @Flag(help: "Print one JSON object per step.") var json = false

    struct Step: Encodable {
        var offered_tps: Double
        var goodput_tps: Double
        var attempts_tps: Double
        var shed_tps: Double
        var limited_tps: Double
        var failed_percent: Double
        var payment_p99_ms: Double
        var topup_p99_ms: Double
        var balanced: Bool
    }

    func run() throws {
        var base = try model.makeConfig()
        let length = try parseDuration(duration, flag: "--duration")
        guard length.microseconds > 0 else { throw ValidationError("--duration: must be longer than 0s") }
        switch retryBudget.lowercased() {
        case "on": base.retryBudgetEnabled = true
        case "off": base.retryBudgetEnabled = false
        default: throw ValidationError("--retry-budget: '\(retryBudget)' is not on or off")
        }
        var steps: [Double] = []
        for (i, text) in rates.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            guard let r = Double(text.trimmingCharacters(in: .whitespaces)), Simulation.validRate(r), r > 0 else {
                throw ValidationError("--rates: item \(i + 1) '\(text)' is not a rate; expected requests per second: \(Limits.rateTPS.text)")
            }
            steps.append(r)
        }
        if !json {
            print("capacity sweep: \(length) of arrivals per step, seed \(base.seed), \(base.shards) shards, \(base.nodes) nodes, \(base.commitProtocol), retry budget \(retryBudget.lowercased())")
            print(ReportFormatter.lpad("offered/s", 10) + ReportFormatter.lpad("goodput/s", 10) + ReportFormatter.lpad("attempts/s", 11)
                + ReportFormatter.lpad("shed/s", 8) + ReportFormatter.lpad("limited/s", 10) + ReportFormatter.lpad("failed", 8)
                + ReportFormatter.lpad("pay p99", 10) + ReportFormatter.lpad("top-up p99", 11))
        }
        for rate in steps {
            var c = base
            c.baseRateTPS = rate
            let sim = Simulation(config: c)
            _ = sim.runHeadless(duration: length)
            let r = RunReport(snapshot: sim.snapshot(), config: c, duration: length)
            let w = r.workloads.values
            let submitted = w.reduce(0) { $0 + $1.submitted }
            let failed = w.reduce(0) { $0 + $1.failed + $1.aborted }
            let step = Step(offered_tps: r.load.per_s.offered, goodput_tps: r.load.per_s.goodput, attempts_tps: r.load.per_s.attempts,
                            shed_tps: r.load.per_s.shed, limited_tps: r.load.per_s.limited,
                            failed_percent: submitted == 0 ? 0 : (Double(failed) * 10_000 / Double(submitted)).rounded() / 100,
                            payment_p99_ms: r.workloads["payment"]?.latency_ms.p99 ?? 0, topup_p99_ms: r.workloads["topup"]?.latency_ms.p99 ?? 0,
                            balanced: r.ledger.balanced)
            if json {
                try printJSONLine(step)
            } else {
                print(ReportFormatter.lpad(ReportFormatter.number(step.offered_tps), 10) + ReportFormatter.lpad(ReportFormatter.number(step.goodput_tps), 10)
                    + ReportFormatter.lpad(ReportFormatter.number(step.attempts_tps), 11) + ReportFormatter.lpad(ReportFormatter.number(step.shed_tps), 8)
                    + ReportFormatter.lpad(ReportFormatter.number(step.limited_tps), 10) + ReportFormatter.lpad(String(format: "%.1f%%", step.failed_percent), 8)
                    + ReportFormatter.lpad(ReportFormatter.ms(step.payment_p99_ms) + " ms", 10) + ReportFormatter.lpad(ReportFormatter.ms(step.topup_p99_ms) + " ms", 11)
                    + (step.balanced ? "" : "  LEDGER VIOLATION"))
            }
        }
    }
}

/// A benchmark's result as one line of JSON, keys sorted, URLs unescaped.
func printJSONLine(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Console frames built off screen, one after another: what a frame costs
/// the engine and the console, without the terminal or the waits between
/// frames (so with warm caches; the console's own `--frame-stats` and its
/// CPU under tmux are the figures with both).
struct FramesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frames",
        abstract: "Build console frames off screen and time the engine's share and the frame's build and diff.")

    @Option(help: "Screen size as COLUMNSxROWS, 80x24 to 1000x500.") var size = "160x48"
    @Option(help: "Frames to build.") var frames = 600
    @Option(help: "Frames per simulated second: each frame advances the simulation 1/fps s.") var fps = 10
    @OptionGroup var model: ModelOptions
    @Flag(help: "Print one JSON object.") var json = false

    struct Output: Encodable {
        struct Times: Encodable {
            var mean_ms: Double
            var p50_ms: Double
            var p99_ms: Double
            var max_ms: Double
        }
        var width: Int
        var height: Int
        var frames: Int
        var simulated_s: Double
        var engine: Times
        var build: Times
        var diff: Times
        var cells_changed_per_frame: Double
        var spans_per_frame: Double
    }

    var dimensions: (width: Int, height: Int)? {
        let parts = size.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (80...1000).contains(w), (24...500).contains(h) else { return nil }
        return (w, h)
    }

    func validate() throws {
        guard dimensions != nil else {
            throw ValidationError("--size: '\(InputText.shown(size, limit: 40))' is not a screen size; expected COLUMNSxROWS from 80x24 to 1000x500, e.g. 160x48")
        }
        guard (1...100_000).contains(frames) else { throw ValidationError("--frames: expected 1...100000, got \(frames)") }
        guard (1...60).contains(fps) else { throw ValidationError("--fps: \(fps) is out of range; expected 1 to 60") }
    }

    static func times(_ seconds: [Double]) -> Output.Times {
        guard let t = ConsoleApp.TimeSummary(seconds) else { return Output.Times(mean_ms: 0, p50_ms: 0, p99_ms: 0, max_ms: 0) }
        func ms(_ v: Double) -> Double { (v * 1_000_000).rounded() / 1_000 }
        return Output.Times(mean_ms: ms(t.mean), p50_ms: ms(t.p50), p99_ms: ms(t.p99), max_ms: ms(t.max))
    }

    func run() throws {
        let (width, height) = dimensions!
        let config = try model.makeConfig()
        let sim = Simulation(config: config)
        let terminal = OffscreenTerminal(width: width, height: height)
        let app = ConsoleApp(controller: ConsoleController(simulation: sim), terminal: terminal,
                             theme: ThemeCatalog.standard().startupTheme().theme, glyphs: .unicode, fps: fps)
        let clock = ContinuousClock()
        var engine: [Double] = []
        engine.reserveCapacity(frames)
        for f in 1...frames {
            let start = clock.now
            sim.advance(to: SimTime(microseconds: Int64(f) * 1_000_000 / Int64(fps)))
            engine.append((clock.now - start).inSeconds)
            app.draw()
        }
        let out = Output(width: width, height: height, frames: frames, simulated_s: Double(frames) / Double(fps),
                         engine: FramesBench.times(engine), build: FramesBench.times(app.buildSeconds), diff: FramesBench.times(app.flushSeconds),
                         cells_changed_per_frame: Double(terminal.cellsChanged) / Double(max(1, terminal.frames)),
                         spans_per_frame: Double(terminal.spansChanged) / Double(max(1, terminal.frames)))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(out), as: UTF8.self))
            return
        }
        func line(_ name: String, _ t: Output.Times) -> String {
            "\(name): mean \(t.mean_ms) ms, p50 \(t.p50_ms) ms, p99 \(t.p99_ms) ms, max \(t.max_ms) ms"
        }
        print("\(frames) frames at \(width)x\(height), \(fps) a simulated second (\(out.simulated_s) s), seed \(config.seed), \(config.baseRateTPS) tps")
        print(line("engine per frame", out.engine))
        print(line("frame build", out.build))
        print(line("frame diff", out.diff))
        print("changed per frame: \((out.cells_changed_per_frame * 10).rounded() / 10) cells in \((out.spans_per_frame * 10).rounded() / 10) spans")
    }
}
