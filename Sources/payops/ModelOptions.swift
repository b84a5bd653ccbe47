import ArgumentParser
import PaySim

/// The flags that shape the simulated platform, shared by `run` and the console.
struct ModelOptions: ParsableArguments {
    @Option(help: "Seed for every random choice; equal seeds give equal runs.")
    var seed: UInt64 = 42

    @Option(help: "Base arrival rate in requests per second across all workloads.")
    var rate: String = "1000"

    @Option(help: "Workload shares in percent, e.g. payment=60,topup=25,trade=15.")
    var mix: String = WorkloadMix.default.description

    @Option(help: "Number of ledger shards (\(Limits.shards.text)).")
    var shards: Int = 4

    @Option(help: "Number of app nodes, each hosting a commit coordinator (\(Limits.nodes.text)).")
    var nodes: Int = 6

    @Option(name: .customLong("protocol"), help: "Commit protocol for cross-shard transactions: 2pc or 3pc.")
    var commitProtocol: String = "2pc"

    @Option(help: "Balancer algorithm: rr, wrr, random, leastconn, p2c or hash.")
    var lb: String = "p2c"

    @Option(name: .customLong("cache-capacity"), help: "Entries the embedded cache holds (1...100000000).")
    var cacheCapacity: Int = 50_000

    @Option(help: "Customers in the population (1...10000000).")
    var customers: Int = 100_000

    @Option(name: .customLong("capture-window"), help: "How long a payment's hold waits for its capture before it expires (1s to 24h).")
    var captureWindow: String = "2m"

    @Option(name: .customLong("settlement-lag"), help: "How long after execution a trade settles, delivery versus payment (1s to 24h).")
    var settlementLag: String = "2m"

    @Option(name: .customLong("payout-interval"), help: "How often merchants are paid out (1s to 24h).")
    var payoutInterval: String = "5m"

    @Option(name: .customLong("refund-rate"), help: "Share of captured payments refunded later, e.g. 2%.")
    var refundRate: String = "2%"

    @Option(name: .customLong("chargeback-rate"), help: "Share of captured payments charged back later, e.g. 0.3%.")
    var chargebackRate: String = "0.3%"

    @Option(name: .customLong("settlement-fail-rate"), help: "Share of settlement attempts the counterparty fails, e.g. 1%.")
    var settlementFailRate: String = "1%"

    @Option(help: ArgumentHelp("Run the cache tier on a Redis server instead of embedded; the password may come from PAYOPS_REDIS_PASSWORD.",
                               valueName: "redis://[user[:password]@]host:port[/db]"))
    var cache: String?

    @Option(help: ArgumentHelp("Run the message log on Redis Streams instead of embedded.", valueName: "redis://[user[:password]@]host:port[/db]"))
    var queue: String?

    /// Connects to the Redis servers the flags name, if any.
    func makeBackends() throws -> Backends {
        try Backends(cacheURL: cache, queueURL: queue, capacity: cacheCapacity)
    }

    /// Checks every flag; the first bad one is reported by name with what is valid.
    func makeConfig() throws -> SimulationConfig {
        var c = SimulationConfig()
        c.seed = seed
        guard let r = Double(rate), Simulation.validRate(r) else {
            throw ValidationError("--rate: '\(rate)' is not a rate; expected requests per second: \(Limits.rateTPS.text)")
        }
        c.baseRateTPS = r
        do { c.mix = try WorkloadMix.parse(mix) } catch { throw ValidationError("--mix: \(error)") }
        guard Limits.shards.contains(shards) else { throw ValidationError("--shards: \(shards) is out of range; expected \(Limits.shards.text)") }
        c.shards = shards
        guard Limits.nodes.contains(nodes) else { throw ValidationError("--nodes: \(nodes) is out of range; expected \(Limits.nodes.text)") }
        c.nodes = nodes
        guard let p = CommitProtocol(rawValue: commitProtocol.lowercased()) else {
            throw ValidationError("--protocol: '\(commitProtocol)' is not a protocol; expected 2pc or 3pc")
        }
        c.commitProtocol = p
        guard Limits.customers.contains(customers) else { throw ValidationError("--customers: \(customers) is out of range; expected \(Limits.customers.text)") }
        c.customers = customers
        guard let algorithm = BalancerAlgorithm(rawValue: lb.lowercased()) else {
            throw ValidationError("--lb: '\(lb)' is not an algorithm; expected rr, wrr, random, leastconn, p2c or hash")
        }
        c.balancer = algorithm
        guard Limits.cacheCapacityEntries.contains(cacheCapacity) else {
            throw ValidationError("--cache-capacity: \(cacheCapacity) is out of range; expected \(Limits.cacheCapacityEntries.text)")
        }
        c.cacheCapacity = cacheCapacity
        c.captureWindow = try lifecycleDuration(captureWindow, flag: "--capture-window")
        c.settlementLag = try lifecycleDuration(settlementLag, flag: "--settlement-lag")
        c.payoutInterval = try lifecycleDuration(payoutInterval, flag: "--payout-interval")
        c.refundFraction = try share(refundRate, flag: "--refund-rate")
        c.chargebackFraction = try share(chargebackRate, flag: "--chargeback-rate")
        c.settlementFailFraction = try share(settlementFailRate, flag: "--settlement-fail-rate")
        return c
    }

    func lifecycleDuration(_ text: String, flag: String) throws -> SimDuration {
        let d = try parseDuration(text, flag: flag)
        guard Limits.lifecycleMicroseconds.contains(d.microseconds) else {
            throw ValidationError("\(flag): \(d) is out of range; expected \(Limits.lifecycleMicroseconds.text)")
        }
        return d
    }

    /// `2%` as a fraction, within 0% to 100%.
    func share(_ text: String, flag: String) throws -> Double {
        guard text.hasSuffix("%"), let p = Double(text.dropLast()), p.isFinite, Limits.faultPercent.contains(p) else {
            throw ValidationError("\(flag): '\(InputText.shown(text))' is not a share; expected a percentage like 2% (\(Limits.faultPercent.text))")
        }
        return p / 100
    }
}

/// Parses a duration flag, naming the flag on failure.
func parseDuration(_ text: String, flag: String) throws -> SimDuration {
    do { return try SimDuration.parse(text) } catch { throw ValidationError("\(flag): \(error)") }
}
