extension Simulation {
    /// Commands for nodes, the balancer, the cache and consumer groups.
    func applyPlatform(_ command: OperatorCommand) throws(CommandError) {
        switch command {
        case .drainNode(let n):
            try checkNode(n)
            guard !nodes[n].draining else { throw CommandError("\(nodes[n].name) is already draining") }
            drainNode(n)
        case .failNode(let n):
            try checkNode(n)
            guard nodes[n].alive else { throw CommandError("\(nodes[n].name) has already failed; use recover") }
            failNode(n)
        case .recoverNode(let n):
            try checkNode(n)
            guard !nodes[n].alive || nodes[n].draining || nowMicros < nodes[n].ejectedUntil else {
                throw CommandError("\(nodes[n].name) is up: nothing to recover")
            }
            recoverNode(n)
        case let .slowNode(n, factor):
            try checkNode(n)
            guard Limits.slowFactor.contains(factor) else { throw CommandError("slow factor must be \(Limits.slowFactor.text), got \(Simulation.format(factor))") }
            nodes[n].slowFactor = factor
            log(factor > 1 ? .warn : .info, factor > 1 ? "\(nodes[n].name) slowed ×\(Simulation.format(factor)) (health checks still pass)" : "\(nodes[n].name) back to normal speed")
        case let .weightNode(n, weight):
            try checkNode(n)
            guard Limits.nodeWeight.contains(weight) else { throw CommandError("weight must be \(Limits.nodeWeight.text), got \(weight)") }
            nodes[n].weight = weight
            log(.info, "\(nodes[n].name) weight set to \(weight)")
        case .balancer(let algorithm):
            balancer.setAlgorithm(algorithm)
            log(.info, "balancer algorithm is now \(algorithm)")
        case .cacheFlush:
            guard let entries = cache.flush() else {
                throw CommandError("cache flush failed: \(cache.backendName) cannot be reached")
            }
            log(.warn, "cache flushed: \(entries) entries dropped; reads fall through to the shards")
        case .cacheCapacity(let n):
            guard Limits.cacheCapacityEntries.contains(n) else { throw CommandError("cache capacity must be \(Limits.cacheCapacityEntries.text), got \(n)") }
            guard cache.capacityIsOurs else {
                throw CommandError("the cache is on \(cache.backendName): its size is the server's maxmemory, which payops does not change")
            }
            cache.setCapacity(n)
            log(.info, "cache capacity set to \(n) entries")
        case let .consumers(group, count):
            guard let gi = groups.firstIndex(where: { $0.name == group }) else {
                throw CommandError("no consumer group '\(group)': groups are \(groups.map(\.name).joined(separator: ", "))")
            }
            guard Limits.consumers.contains(count) else { throw CommandError("consumers must be \(Limits.consumers.text), got \(count)") }
            setConsumers(gi, count)
        default:
            preconditionFailure("applyPlatform called with \(command)")
        }
    }
}
