/// Something an operator asks of the running platform. The same value comes
/// from a key press, the console's prompt, a scenario file or a session log.
public enum OperatorCommand: Sendable, Equatable {
    /// Multiplies the arrival rate (of one workload, or all) for a while.
    case spike(factor: Double, duration: SimDuration, workload: Workload?)
    /// Sets the base rate, or one workload's own rate.
    case rate(tps: Double, workload: Workload?)
    case mix(WorkloadMix)
    case setProtocol(CommitProtocol)
    /// 0-based shard index.
    case crashShard(Int)
    case restoreShard(Int)
    /// 0-based node index of the coordinator.
    case crashCoordinator(Int)
    case restoreCoordinator(Int)
    case partitionShard(Int, duration: SimDuration)
    case gatewayDown
    case gatewayUp
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
            guard factor > 0, factor <= 1_000 else { throw CommandError("spike factor must be in (0, 1000], got \(factor)") }
            guard duration.microseconds > 0 else { throw CommandError("spike duration must be positive") }
            let id = nextSpikeID
            nextSpikeID += 1
            spikes.append(Spike(id: id, factor: factor, workload: workload, endsAt: nowMicros + duration.microseconds))
            schedule(after: duration.microseconds, .spikeEnd(id: id))
            rescheduleArrivals()
            log(.info, "spike ×\(Simulation.format(factor)) for \(duration)\(workload.map { " on \($0.displayName)" } ?? "") started")
        case let .rate(tps, workload):
            guard tps >= 0, tps <= 10_000_000, tps.isFinite else { throw CommandError("rate must be 0...10000000 tps, got \(tps)") }
            if let w = workload {
                rateOverride[w.rawValue] = tps
                log(.info, "\(w.displayName) rate set to \(Simulation.format(tps)) tps")
            } else {
                baseRateTPS = tps
                rateOverride = [nil, nil, nil]
                log(.info, "base rate set to \(Simulation.format(tps)) tps")
            }
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
        case let .partitionShard(s, duration):
            try checkShard(s)
            guard duration.microseconds > 0 else { throw CommandError("partition duration must be positive") }
            partitionShard(s, for: duration)
        case .gatewayDown:
            gatewayUp = false
            log(.warn, "card gateway down: top-ups will time out")
        case .gatewayUp:
            gatewayUp = true
            log(.info, "card gateway up")
        case .pause:
            paused = true
        case .resume:
            paused = false
        case .drainNode, .failNode, .recoverNode, .slowNode, .weightNode, .balancer, .cacheFlush, .cacheCapacity, .consumers:
            try applyPlatform(command)
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
