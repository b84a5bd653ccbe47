#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What clients were told and what the ledger did, by idempotency key, for
/// checking the one against the other (`SimulationConfig.trackOutcomes`).
struct OutcomeRecord {
    /// The final answer each client had.
    var told: [Int64: RequestOutcome] = [:]
    /// Keys whose transaction committed on every participant.
    var applied: Set<Int64> = []
    /// Keys whose transaction committed on some participants only, or whose
    /// coordinator committed while every participant aborted (3PC's divergence).
    var split: Set<Int64> = []
    /// Requests whose client has no answer yet.
    var open: [Int64: Request] = [:]
}

extension Simulation {
    func traceNode(_ n: Int) -> String { nodes[n].name }

    /// Simulated time to the microsecond, as traces need.
    var traceTime: String {
        let us = String(nowMicros % 1_000_000)
        return "\(nowMicros / 1_000_000).\(String(repeating: "0", count: 6 - us.count))\(us)s"
    }

    /// One protocol step of a traced transaction: who, what came in, the
    /// state it left, and what it does about it, in the words of a sampled
    /// trace's waterfall (`stepText`).
    func traceStep<I: TraceText, S: TraceText, E: TraceText>(_ t: Txn, _ who: String, _ input: I, _ state: S, _ effects: Effects<E>) {
        tracer?("\(traceTime) txn \(t.id) \(who): \(stepText(input, state, effects))")
    }

    /// What changes as work in flight finishes: answers given, offsets
    /// committed, transactions settled, gateway calls and reversals closed.
    var drainProgress: [Int64] {
        [Int64(outcomes?.told.count ?? 0), groups.reduce(Int64(0)) { $0 + $1.committed.reduce(0, +) },
         Int64(unsettled.count), Int64(authorisations.count), Int64(reversals.count), Int64(inFlightRequests)]
    }
}

extension Request {
    /// Where the request stands, for a fuzz failure's report.
    var whereItStands: String {
        var s = "request \(id) (\(workload), \(attempts) attempt\(attempts == 1 ? "" : "s")"
        if let n = node { s += ", on node-\(n + 1)" }
        if txnID != 0 { s += ", txn \(txnID)" }
        if gatewayStarted { s += ", gateway call made" }
        if reservedPartition != nil { s += ", callback room held" }
        if delivery != nil { s += ", a wallet credit" }
        return s + ")"
    }
}

/// A seeded random case for the fuzzer, after TigerBeetle's VOPR and
/// FoundationDB's simulation testing: a platform shape, a workload, a fault
/// schedule drawn from the whole operator language with every fault healed
/// before the end, and crash points armed at random. The same seed always
/// gives the same case, and the case the same result.
public struct FuzzCase: Sendable {
    public var seed: UInt64
    public var config: SimulationConfig
    public var duration: SimDuration
    public var steps: [(at: SimDuration, command: OperatorCommand)]
    public var crashPoints: [CrashPoint]
    /// 3PC may be in use (set from the start, or switched to by a step): divergence is expected, not a failure.
    public var threePhase: Bool

    /// Which commit protocols a case may use.
    public enum Protocols: String, Sendable, CaseIterable {
        case twoPhase = "2pc", threePhase = "3pc", mixed
    }

    public init(seed: UInt64, duration: SimDuration, protocols: Protocols) {
        var rng = SeededRandom(seed: seed, stream: "fuzz")
        func logUniform(_ lo: Double, _ hi: Double) -> Double { lo * pow(hi / lo, rng.nextDouble()) }
        func pick<T>(_ xs: [T]) -> T { xs[rng.nextInt(below: xs.count)] }
        var c = SimulationConfig()
        c.seed = seed
        c.trackOutcomes = true
        c.shards = 1 + rng.nextInt(below: 8)
        c.nodes = 1 + rng.nextInt(below: 8)
        c.customers = Int(logUniform(500, 200_000))
        c.merchants = Int(logUniform(20, 5_000))
        c.cacheCapacity = Int(logUniform(100, 100_000))
        c.baseRateTPS = (logUniform(50, 6_000)).rounded()
        let a = rng.nextInt(below: 101), b = rng.nextInt(below: 101 - a)
        c.mix = WorkloadMix(payment: a, topup: b, trade: 100 - a - b)
        c.balancer = pick(BalancerAlgorithm.allCases)
        switch protocols {
        case .twoPhase: c.commitProtocol = .twoPhase
        case .threePhase: c.commitProtocol = .threePhase
        case .mixed: c.commitProtocol = rng.chance(0.5) ? .twoPhase : .threePhase
        }
        c.breakerEnabled = rng.chance(0.85)
        c.bulkheadEnabled = rng.chance(0.85)
        c.retryBudgetEnabled = rng.chance(0.8)
        c.ejectionEnabled = rng.chance(0.85)
        c.rateLimitEnabled = rng.chance(0.8)
        c.logPartitionCapacityMessages = rng.chance(0.2) ? Int(logUniform(20, 2_000)) : c.logPartitionCapacityMessages
        self.seed = seed
        self.duration = duration
        threePhase = c.commitProtocol == .threePhase

        // Faults, each healed well before the arrivals stop.
        let horizon = duration.microseconds * 8 / 10
        var steps: [(at: SimDuration, command: OperatorCommand)] = []
        func at(_ micros: Int64) -> SimDuration { SimDuration(microseconds: micros) }
        let faults = 2 + rng.nextInt(below: max(1, Int(duration.microseconds / 10_000_000)))
        let groups = CommandParser.consumerGroups
        let defaultConsumers = Simulation.defaultConsumers
        for _ in 0..<faults {
            let start = Int64(rng.nextDouble() * Double(horizon))
            let length = max(1_000_000, Int64(rng.nextDouble() * Double(min(30_000_000, duration.microseconds * 9 / 10 - start))))
            let end = start + length
            let node = rng.nextInt(below: c.nodes), shard = rng.nextInt(below: c.shards)
            switch rng.nextInt(below: 22) {
            case 0, 1:
                steps += [(at(start), .crashShard(shard)), (at(end), .restoreShard(shard))]
            case 2:
                steps += [(at(start), .crashCoordinator(node)), (at(end), .restoreCoordinator(node))]
            case 3, 4:
                var members: [NetworkMember] = (0..<c.shards).map { .shard($0) } + (0..<c.nodes).map { .node($0) }
                // Shuffle, then cut the list into one or two sides.
                for i in members.indices.reversed() { members.swapAt(i, rng.nextInt(below: i + 1)) }
                let first = 1 + rng.nextInt(below: max(1, members.count - 1))
                let sides = rng.chance(0.5) || first >= members.count
                    ? [Array(members.prefix(first))]
                    : [Array(members.prefix(first)), Array(members.dropFirst(first))]
                steps.append((at(start), .partition(sides: sides, duration: at(length))))
            case 5, 6:
                steps += [(at(start), .failNode(node)), (at(end), .recoverNode(node))]
            case 7:
                steps += [(at(start), .slowNode(node, factor: Double(2 + rng.nextInt(below: 20)))), (at(end), .slowNode(node, factor: 1))]
            case 8:
                steps += [(at(start), .gatewayDown), (at(end), .gatewayUp)]
            case 9:
                let g = pick(groups)
                steps += [(at(start), .consumers(group: g, count: 0)), (at(end), .consumers(group: g, count: defaultConsumers[g] ?? 4))]
            case 10:
                steps.append((at(start), .cacheFlush))
            case 11:
                steps.append((at(start), .spike(factor: Double(2 + rng.nextInt(below: 8)), duration: at(length), workload: rng.chance(0.5) ? nil : pick(Workload.allCases))))
            case 12:
                steps += [(at(start), .drainNode(node)), (at(end), .recoverNode(node))]
            case 13:
                steps.append((at(start), .weightNode(node, weight: rng.nextInt(below: 5))))
            case 14:
                steps.append((at(start), .balancer(pick(BalancerAlgorithm.allCases))))
            case 15:
                if protocols == .mixed {
                    let p: CommitProtocol = rng.chance(0.5) ? .twoPhase : .threePhase
                    if p == .threePhase { threePhase = true }
                    steps.append((at(start), .setProtocol(p)))
                } else {
                    steps.append((at(start), .cacheFlush))
                }
            case 16:
                steps += [(at(start), .retryBudget(percent: nil)), (at(end), .retryBudget(percent: 20))]
            case 17:
                steps += [(at(start), .breakers(false)), (at(end), .breakers(true))]
            case 18:
                steps += [(at(start), .bulkhead(connections: 1 + rng.nextInt(below: 16))), (at(end), .bulkhead(connections: 64))]
            case 19:
                steps += [(at(start), .deadline(at(50_000 + Int64(rng.nextInt(below: 2_000_000))))), (at(end), .deadline(.seconds(5)))]
            case 20:
                let tps = (logUniform(10, 8_000)).rounded()
                let workload = rng.chance(0.5) ? nil : pick(Workload.allCases)
                // Half of them (by the parity of the start, so no draw is
                // added and earlier seeds keep their cases) are load shapes.
                steps.append((at(start), start % 2 == 0
                    ? .ramp(from: c.baseRateTPS, to: tps, duration: at(length), workload: workload)
                    : .rate(tps: tps, workload: workload)))
            default:
                steps.append((at(start), .cacheCapacity(Int(logUniform(10, 100_000)))))
            }
        }
        // Restore whatever a rate change took to zero, so every workload runs to the end.
        steps.append((at(horizon), .rate(tps: c.baseRateTPS, workload: nil)))
        self.steps = steps.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        crashPoints = (0..<rng.nextInt(below: 3)).map { _ in pick(CrashPoint.allCases) }
        config = c
    }

    /// The run flags that give this case's platform and workload.
    public var runFlags: [String] {
        ["--seed", String(seed), "--shards", String(config.shards), "--nodes", String(config.nodes),
         "--customers", String(config.customers), "--rate", OperatorCommand.number(config.baseRateTPS), "--mix", config.mix.description,
         "--lb", config.balancer.rawValue, "--protocol", config.commitProtocol.rawValue, "--cache-capacity", String(config.cacheCapacity),
         "--duration", "\(duration)"]
    }

    /// The fault schedule as a scenario file, with how it was made in comments.
    public var scenarioText: String {
        var out = "# payops fuzz case, seed \(seed): \(steps.count) steps\n"
        out += "# platform and workload: payops run \(runFlags.joined(separator: " "))\n"
        out += "# also set by the fuzzer, beyond what flags reach: \(config.merchants) merchants, "
        out += "breakers \(config.breakerEnabled ? "on" : "off"), bulkhead \(config.bulkheadEnabled ? "on" : "off"), "
        out += "retry budget \(config.retryBudgetEnabled ? "on" : "off"), ejection \(config.ejectionEnabled ? "on" : "off"), "
        out += "rate limit \(config.rateLimitEnabled ? "on" : "off"), \(config.logPartitionCapacityMessages) messages a partition"
        out += crashPoints.isEmpty ? "\n" : ", crash points \(crashPoints.map(\.rawValue).joined(separator: ", "))\n"
        for s in steps { out += "at \(s.at) \(s.command)\n" }
        return out
    }
}

/// What a fuzz case found.
public struct FuzzResult: Sendable {
    public var seed: UInt64
    /// Every property that did not hold; empty when the case passed.
    public var failures: [String]
    /// Transactions that committed on some shards and aborted on others (3PC only).
    public var divergences: Int
    /// Of those, transactions the coordinator committed while every participant aborted.
    public var decisions: Int
    /// Reconciliation breaks, continuous and final (3PC's divergences show here too).
    public var reconciliationBreaks: Int64
    /// Clients told their request failed whose transaction nonetheless
    /// committed later (a coordinator lost after its decision): counted, not failed.
    public var failedButApplied: Int
    public var requests: Int64
    public var committed: Int64
    public var events: Int64
    public var simulatedSeconds: Double
    /// A request the failures point at, to follow with `--trace`.
    public var suspect: Int64?
    public var passed: Bool { failures.isEmpty }
}

extension FuzzCase {
    /// Runs the case: the schedule, then the drain: in steps of `drain` for
    /// as long as each step makes progress (a backlog the platform works off
    /// slowly is not a hang), up to `maxDrain`; then every check.
    /// `trace` gets every protocol step of the transactions under idempotency
    /// key `traceKey`, what their client was told, and the event log.
    public func run(drain: SimDuration = .seconds(60), maxDrain: SimDuration = .minutes(30),
                    traceKey: Int64? = nil, trace: ((String) -> Void)? = nil) -> FuzzResult {
        let (sim, drained) = simulate(drain: drain, maxDrain: maxDrain, traceKey: traceKey, trace: trace)
        return check(sim, drained: drained, stalled: drained < maxDrain ? drain : nil)
    }

    /// The run alone: the simulation as it ended, and how long it drained.
    func simulate(drain: SimDuration = .seconds(60), maxDrain: SimDuration = .minutes(30),
                  traceKey: Int64? = nil, trace: ((String) -> Void)? = nil) -> (Simulation, drained: SimDuration) {
        let sim = Simulation(config: config)
        if let traceKey, let trace {
            sim.traceKey = traceKey
            sim.tracer = trace
        }
        for p in crashPoints { sim.arm(p) }
        var progress = sim.drainProgress
        var drained = drain
        _ = sim.runHeadless(duration: duration, drain: drain, commands: steps, afterDrain: {
            let now = sim.drainProgress
            guard now != progress, drained < maxDrain else { return false }
            progress = now
            drained = drained + drain
            return true
        })
        return (sim, drained)
    }

    /// Every property, checked against the simulation as it ended. `stalled`
    /// is the last drain step, when the drain ended for want of progress.
    func check(_ sim: Simulation, drained: SimDuration, stalled: SimDuration?) -> FuzzResult {
        let s = sim.snapshot()
        var failures: [String] = []

        // The ledger: balanced, except for 3PC's splits and the totals they move.
        let splits = s.ledger.violations.filter(\.isThreePhaseDivergence)
        let splitIDs = Set(splits.compactMap(\.txn))
        let moved = s.ledger.violations.filter { v in
            v.txn == nil ? v.kind == .total : splitIDs.contains(v.txn!)
        }
        let unexplained = s.ledger.violations.filter { v in !moved.contains(v) }
        if threePhase {
            for v in unexplained.prefix(5) { failures.append("ledger: \(v.message)") }
            if s.ledger.violationCount > Int64(s.ledger.violations.count) && !unexplained.isEmpty {
                failures.append("ledger: \(s.ledger.violationCount - Int64(s.ledger.violations.count)) more violations not shown")
            }
        } else {
            for v in s.ledger.violations.prefix(5) { failures.append("ledger: \(v.message)") }
        }

        // Nothing stuck once everything is healed.
        if !sim.isQuiescent {
            failures.append("not quiescent \(drained) after arrivals stopped\(stalled.map { " (no progress in the last \($0))" } ?? ""): \(sim.inFlightRequests) requests in flight, \(sim.unsettled.count) transactions unsettled, \(sim.authorisations.count) authorisations and \(sim.reversals.count) reversals outstanding, \(sim.jobsRunning) jobs running, log caught up: \(sim.logCaughtUp)")
            if let stuck = sim.lives.values.filter({ $0.job != nil }).min(by: { $0.id < $1.id }), let job = stuck.job {
                failures.append("first job still running: \(job.step.name) of \(stuck.kind) \(stuck.id) (\(stuck.state)), \(job.attempts) attempts")
            }
            if let first = sim.outcomes?.open.keys.min(), let r = sim.outcomes?.open[first] {
                failures.append("first request without an answer: \(r.whereItStands)")
            }
            for g in sim.groups where g.consumers > 0 {
                let behind = sim.partitionLags(g).enumerated().filter { $0.element > 0 }
                guard let (p, lag) = behind.first else { continue }
                failures.append("\(g.name) is behind on \(behind.count) partition\(behind.count == 1 ? "" : "s"): \(sim.streamName(g.topic, p)) by \(lag), at offset \(g.committed[p])\(g.inFlight[p].map { ", working on \($0)" } ?? ", nothing in hand")")
            }
        }
        if s.commit.inDoubt != 0 { failures.append("\(s.commit.inDoubt) transactions still in doubt") }

        // The client's view against the ledger.
        let record = sim.outcomes ?? OutcomeRecord()
        var failedButApplied = 0
        var toldButMissing: [Int64] = []
        for id in record.told.keys.sorted() {
            let outcome = record.told[id]!
            if outcome == .committed {
                if !record.applied.contains(id) && !(threePhase && record.split.contains(id)) { toldButMissing.append(id) }
            } else if record.applied.contains(id) {
                failedButApplied += 1
            }
        }
        if !toldButMissing.isEmpty {
            failures.append("\(toldButMissing.count) requests told committed are not in the ledger (first: \(toldButMissing.prefix(5).map(String.init).joined(separator: ", ")))")
        }

        // Messages: one settlement message for each captured payment and one
        // execution report for each accepted trade (notification topics may
        // drop their oldest past their capacity, counted), and each top-up's
        // callback produced once, consumed once, matched once. (Every group
        // having consumed its topic is part of quiescence.)
        for (topic, expected, what) in [(0, sim.paymentStats.captured, "captured payments"), (2, s.workload(.trade).stats.committed, "committed trades")] {
            let produced = sim.topics[topic].partitions.reduce(Int64(0)) { $0 + $1.endOffset }
            if produced != expected { failures.append("\(produced) \(sim.topics[topic].name) messages for \(expected) \(what)") }
        }
        let callbacks = sim.topics[1].partitions.reduce(Int64(0)) { $0 + $1.endOffset }
        if sim.topics[1].dropped != 0 { failures.append("\(sim.topics[1].dropped) top-up callbacks dropped") }
        if s.workload(.topup).stats.committed != callbacks {
            failures.append("\(callbacks) top-up callbacks produced but \(s.workload(.topup).stats.committed) top-ups credited")
        }
        if Int64(sim.gateway.matchedMinorUnits) != sim.creditedMinorUnits {
            failures.append("the gateway matched \(Money(minorUnits: sim.gateway.matchedMinorUnits)) of charges but wallets were credited \(Money(minorUnits: sim.creditedMinorUnits))")
        }
        if !sim.gateway.openCharges.isEmpty { failures.append("\(sim.gateway.openCharges.count) card charges neither credited nor reversed") }

        // Reconciliation: no breaks, except those of records a 3PC
        // divergence split (the reconciler must see those).
        let splitRecords = Set(record.split.map { $0 & (1 << 56 - 1) })
        let finalBreaks = sim.fullReconciliation()
        let unexplainedBreaks = (sim.reconciliation.breaks + finalBreaks).filter { b in
            !(threePhase && !splitRecords.isEmpty && (b.id.map(splitRecords.contains) ?? true))
        }
        for b in unexplainedBreaks.prefix(5) { failures.append("reconciliation: \(b.message)") }
        if sim.reconciliation.breakCount > Int64(sim.reconciliation.breaks.count) && !unexplainedBreaks.isEmpty {
            failures.append("reconciliation: \(sim.reconciliation.breakCount - Int64(sim.reconciliation.breaks.count)) more breaks not shown")
        }

        let requests = s.workloads.reduce(Int64(0)) { $0 + $1.stats.submitted }
        let committed = s.workloads.reduce(Int64(0)) { $0 + $1.stats.committed }
        return FuzzResult(seed: seed, failures: failures, divergences: splitIDs.count,
                          decisions: s.ledger.violations.filter { $0.kind == .decision }.count,
                          reconciliationBreaks: sim.reconciliation.breakCount + Int64(finalBreaks.count), failedButApplied: failedButApplied,
                          requests: requests, committed: committed, events: s.eventsProcessed, simulatedSeconds: s.time.seconds,
                          suspect: toldButMissing.first ?? record.open.keys.min())
    }
}
