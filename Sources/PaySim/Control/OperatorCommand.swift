/// Something an operator asks of the running platform. The same value comes
/// from a key press, the console's prompt, a scenario file or a session log.
public enum OperatorCommand: Sendable, Equatable {
    /// Multiplies the arrival rate (of one workload, or all) for a while.
    case spike(factor: Double, duration: SimDuration, workload: Workload?)
    /// Sets the base rate, or one workload's own rate.
    case rate(tps: Double, workload: Workload?)
    /// A load shape: the rate moves from one value to another in a straight
    /// line, a step each simulated second. A `rate` or another ramp ends it.
    case ramp(from: Double, to: Double, duration: SimDuration, workload: Workload?)
    case mix(WorkloadMix)
    case setProtocol(CommitProtocol)
    /// 0-based shard index.
    case crashShard(Int)
    case restoreShard(Int)
    /// 0-based node index of the coordinator.
    case crashCoordinator(Int)
    case restoreCoordinator(Int)
    /// Cuts the network for a while. One side: those members are cut off
    /// from everyone else. Several: each is a side, and members not listed
    /// stay with the first.
    case partition(sides: [[NetworkMember]], duration: SimDuration)
    case gatewayDown
    case gatewayUp
    /// The gateway answers this many times slower (1: healthy).
    case gatewaySlow(factor: Double)
    /// The gateway drops this share of its answers after doing the work:
    /// the caller times out not knowing whether the card was charged.
    case gatewayTimeouts(percent: Double)
    /// Merchant payout batches stop (paused) or start again.
    case payouts(paused: Bool)
    /// The share of settlement attempts the counterparty fails.
    case settlementFailRate(percent: Double)
    case pause
    case resume
    /// 0-based node index: no new work, in-flight work finishes.
    case drainNode(Int)
    /// A machine failure: in-flight work is lost; down until recovered.
    case failNode(Int)
    /// Brings a drained or failed node back, with slow start.
    case recoverNode(Int)
    /// Gray failure: service time × factor; health checks still pass.
    case slowNode(Int, factor: Double)
    case weightNode(Int, weight: Int)
    case balancer(BalancerAlgorithm)
    case cacheFlush
    case cacheCapacity(Int)
    /// Sets the number of consumers of a consumer group (by name).
    case consumers(group: String, count: Int)
    /// Retries as a share of requests in percent; nil turns the budget off.
    case retryBudget(percent: Double?)
    /// Attempts a client makes for one request.
    case retryAttempts(Int)
    /// Circuit breakers on the nodes' gateway calls on or off.
    case breakers(Bool)
    /// Gateway connections per node; nil turns the bulkhead off.
    case bulkhead(connections: Int?)
    /// How long clients wait for a request; nil: forever.
    case deadline(SimDuration?)
    /// Passive outlier ejection on or off.
    case ejection(Bool)
    /// Requests per second per merchant at the edge; nil: unlimited.
    case rateLimit(perSecond: Double?)

    /// `partition shard-N for D`: one shard cut off from everyone.
    public static func partitionShard(_ s: Int, duration: SimDuration) -> OperatorCommand {
        .partition(sides: [[.shard(s)]], duration: duration)
    }
}

/// Why the platform refused a well-formed command.
public struct CommandError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Simulation {
    /// Applies a command at the current simulated time.
    public func apply(_ command: OperatorCommand) throws(CommandError) {
        switch command {
        case let .spike(factor, duration, workload):
            guard Limits.spikeFactor.contains(factor) else { throw CommandError("spike factor must be \(Limits.spikeFactor.text), got \(factor)") }
            try Simulation.checkDuration(duration, "spike")
            guard spikes.count < Limits.activeSpikes else {
                throw CommandError("\(spikes.count) spikes are in force, the most at once; wait for one to end")
            }
            let id = nextSpikeID
            nextSpikeID += 1
            spikes.append(Spike(id: id, factor: factor, workload: workload, endsAt: nowMicros + duration.microseconds))
            schedule(after: duration.microseconds, .spikeEnd(id: id))
            rescheduleArrivals()
            log(.info, "spike ×\(Simulation.format(factor)) for \(duration)\(workload.map { " on \($0.displayName)" } ?? "") started")
        case let .rate(tps, workload):
            guard Simulation.validRate(tps) else { throw CommandError("rate must be \(Limits.rateTPS.text), got \(tps)") }
            if let r = ramp { log(.info, "ramp to \(Simulation.format(r.to)) tps ended early by a rate change") }
            ramp = nil
            setRate(tps, workload)
            log(.info, "\(workload.map { "\($0.displayName) rate" } ?? "base rate") set to \(Simulation.format(tps)) tps")
            rescheduleArrivals()
        case let .ramp(from, to, duration, workload):
            guard Simulation.validRate(from), Simulation.validRate(to) else {
                throw CommandError("ramp rates must be \(Limits.rateTPS.text), got \(from) and \(to)")
            }
            try Simulation.checkDuration(duration, "ramp")
            ramp = Ramp(from: from, to: to, startedAt: nowMicros, duration: duration, workload: workload)
            setRate(from, workload)
            log(.info, "ramp\(workload.map { " of \($0.displayName)" } ?? "") from \(Simulation.format(from)) to \(Simulation.format(to)) tps over \(duration) started")
            rescheduleArrivals()
        case .mix(let m):
            mix = m
            rescheduleArrivals()
            log(.info, "mix set to \(m)")
        case .setProtocol(let p):
            commitProtocol = p
            log(.info, "commit protocol is now \(p); transactions in flight finish under their own")
        case .crashShard(let s):
            try checkShard(s)
            guard shards[s].up else { throw CommandError("\(shards[s].name) is already down") }
            crashShard(s, reason: "operator")
        case .restoreShard(let s):
            try checkShard(s)
            guard !shards[s].up else { throw CommandError("\(shards[s].name) is already up") }
            restartShard(s, epoch: nil)
        case .crashCoordinator(let c):
            try checkNode(c)
            guard coordinators[c].up else { throw CommandError("coordinator \(coordinators[c].name) is already down") }
            crashCoordinator(c, reason: "operator")
        case .restoreCoordinator(let c):
            try checkNode(c)
            guard !coordinators[c].up else { throw CommandError("coordinator \(coordinators[c].name) is already up") }
            restartCoordinator(c, epoch: nil)
        case let .partition(sides, duration):
            guard !sides.isEmpty, sides.allSatisfy({ !$0.isEmpty }) else { throw CommandError("a partition needs at least one shard or node on each side") }
            for side in sides {
                for m in side {
                    switch m {
                    case .shard(let s): try checkShard(s)
                    case .node(let n): try checkNode(n)
                    }
                }
            }
            try Simulation.checkDuration(duration, "partition")
            guard network.cuts.count < Limits.activePartitions else {
                throw CommandError("\(network.cuts.count) partitions are in force, the most at once; wait for one to heal")
            }
            partition(sides, for: duration)
        case .gatewayDown:
            gateway.up = false
            log(.warn, "card gateway down: calls time out and are reversed; breakers open")
        case .gatewayUp:
            gateway.up = true
            log(.info, "card gateway up")
        case .gatewaySlow(let factor):
            guard Limits.gatewaySlowFactor.contains(factor) else {
                throw CommandError("gateway slow factor must be \(Limits.gatewaySlowFactor.text), got \(factor)")
            }
            gateway.slowFactor = factor
            log(factor > 1 ? .warn : .info, factor > 1 ? "card gateway slow: answers take ×\(Simulation.format(factor))" : "card gateway at normal speed")
        case .gatewayTimeouts(let percent):
            guard Limits.faultPercent.contains(percent) else {
                throw CommandError("gateway timeouts must be \(Limits.faultPercent.text), got \(percent)%")
            }
            gateway.dropAnswerFraction = percent / 100
            log(percent > 0 ? .warn : .info, percent > 0
                ? "card gateway drops \(Simulation.format(percent))% of its answers: those calls time out with an unknown outcome and are reversed"
                : "card gateway answers every call")
        case .payouts(let paused):
            payoutsPaused = paused
            log(paused ? .warn : .info, paused ? "merchant payouts paused: batches are skipped and payables accumulate" : "merchant payouts resumed")
        case .settlementFailRate(let percent):
            guard Limits.faultPercent.contains(percent) else {
                throw CommandError("settlement fail-rate must be \(Limits.faultPercent.text), got \(percent)%")
            }
            settlementFailFraction = percent / 100
            log(percent > 0 ? .warn : .info, "counterparties fail \(Simulation.format(percent))% of settlement attempts")
        case .pause:
            paused = true
        case .resume:
            paused = false
        case .drainNode, .failNode, .recoverNode, .slowNode, .weightNode, .balancer, .cacheFlush, .cacheCapacity, .consumers:
            try applyPlatform(command)
        case .retryBudget, .retryAttempts, .breakers, .bulkhead, .deadline, .ejection, .rateLimit:
            try applyResilience(command)
        }
    }

    /// A rate the engine accepts: zero, or a positive rate it can schedule.
    public static func validRate(_ tps: Double) -> Bool {
        tps.isFinite && (tps == 0 || (tps >= Limits.smallestPositiveRateTPS && tps <= Limits.rateTPS.range.upperBound))
    }

    static func checkDuration(_ d: SimDuration, _ what: String) throws(CommandError) {
        guard Limits.commandDurationMicroseconds.contains(d.microseconds) else {
            throw CommandError("\(what) duration must be positive and \(Limits.commandDurationMicroseconds.text), got \(d)")
        }
    }

    func checkShard(_ s: Int) throws(CommandError) {
        guard s >= 0 && s < shards.count else { throw CommandError("no shard-\(s + 1): shards are shard-1 … shard-\(shards.count)") }
    }

    func checkNode(_ n: Int) throws(CommandError) {
        guard n >= 0 && n < coordinators.count else { throw CommandError("no node-\(n + 1): nodes are node-1 … node-\(coordinators.count)") }
    }

    func endSpike(_ id: Int) {
        guard let i = spikes.firstIndex(where: { $0.id == id }) else { return }
        let s = spikes.remove(at: i)
        rescheduleArrivals()
        log(.info, "spike ×\(Simulation.format(s.factor)) ended")
    }

    /// A number without a trailing `.0`.
    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}

extension Simulation {
    /// Sets the base rate (and clears the workloads' own), or one workload's rate.
    func setRate(_ tps: Double, _ workload: Workload?) {
        if let w = workload {
            rateOverride[w.rawValue] = tps
        } else {
            baseRateTPS = tps
            rateOverride = [nil, nil, nil]
        }
    }

    /// A ramp's step for the second that begins now; the last one ends it.
    func stepRamp() {
        guard let r = ramp else { return }
        setRate(r.rate(at: nowMicros), r.workload)
        rescheduleArrivals()
        if nowMicros >= r.startedAt + r.duration.microseconds {
            ramp = nil
            log(.info, "ramp\(r.workload.map { " of \($0.displayName)" } ?? "") reached \(Simulation.format(r.to)) tps")
        }
    }
}
