import ArgumentParser
import Foundation
import PaySim

/// `payops bench …`: speed measurements that belong outside unit tests.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the engine's speed.",
        subcommands: [MMcBench.self]
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
        guard lambda > 0 && lambda.isFinite else { throw ValidationError("--lambda: expected a positive rate, got \(lambda)") }
        guard mu > 0 && mu.isFinite else { throw ValidationError("--mu: expected a positive rate, got \(mu)") }
        guard servers >= 1 && servers <= 100_000 else { throw ValidationError("--servers: expected 1...100000, got \(servers)") }
        guard lambda < Double(servers) * mu else {
            throw ValidationError("--lambda: \(lambda) ≥ c·μ = \(Double(servers) * mu); the queue would grow without bound")
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
        let elapsed = clock.now - start
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let out = Output(customers: result.customers, mean_wait_s: result.meanWaitSeconds,
                         erlang_c_wait_s: model.erlangCMeanWaitSeconds, wall_s: wall,
                         customers_per_s: Double(result.customers) / wall)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(out), as: UTF8.self))
        } else {
            let diff = (out.mean_wait_s / out.erlang_c_wait_s - 1) * 100
            print("M/M/\(servers)  λ=\(lambda)  μ=\(mu)  seed \(seed)")
            print("customers          \(out.customers)")
            print("mean wait          \(String(format: "%.6f", out.mean_wait_s)) s")
            print("Erlang C mean wait \(String(format: "%.6f", out.erlang_c_wait_s)) s  (\(String(format: "%+.2f", diff))%)")
            print("wall               \(String(format: "%.3f", out.wall_s)) s")
            print("customers/s        \(String(format: "%.0f", out.customers_per_s))")
        }
    }
}
