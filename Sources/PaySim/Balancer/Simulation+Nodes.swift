/// Requests on app nodes: worker slots, the accept queue, cache-aside
/// reads, failures, drains, health checks and outlier ejection.
extension Simulation {
    /// Sends one attempt of `r` through the balancer to a node.
    func dispatchToNode(_ r: Request) {
        guard let n = pickNode(for: r) else {
            // No node will take work: the balancer answers 503 at once.
            balancerRejections += 1
            attemptFinished(r, .lost)
            return
        }
        let node = nodes[n]
        node.requests.add()
        guard node.alive else {
            // The balancer has not noticed yet: the connection is refused.
            nodeError(n)
            attemptFinished(r, .lost)
            return
        }
        r.node = n
        r.nodeEpoch = node.epoch
        r.nodeArrivedAt = nowMicros
        if node.working.count < node.capacity {
            startOnNode(r, n)
        } else if node.queue.count < node.queueLimit {
            node.queue.append(r)
        } else {
            r.node = nil
            nodeError(n)
            attemptFinished(r, .lost)
        }
    }

    /// Takes a worker slot: CPU time (times the node's slowness) plus the
    /// cache-aside reads the request needs.
    func startOnNode(_ r: Request, _ n: Int) {
        let node = nodes[n]
        node.working[r.id] = r
        let cpu = Double(config.nodeCPUMedian.microseconds) * node.slowFactor
        var work = Int64(LogNormal(median: cpu, sigma: 0.4).sample(&networkRNG))
        r.cacheExtra = 0
        work += cache.pipelinesReads ? issueCacheReads(for: r) : cacheReads(for: r)
        r.nodeToken &+= 1
        schedule(after: work, .nodeWorkDone(r, token: r.nodeToken))
    }

    func onNodeWorkDone(_ r: Request, token: UInt32) {
        guard r.nodeToken == token, let n = r.node, nodes[n].alive, nodes[n].epoch == r.nodeEpoch, !r.finished else { return }
        if r.cacheReadsHeld { resolveCacheReads() }
        if r.cacheExtra > 0 {
            // Some reads missed: the shard reads and refills take longer.
            let extra = r.cacheExtra
            r.cacheExtra = 0
            schedule(after: extra, .nodeWorkDone(r, token: token))
            return
        }
        switch r.workload {
        case .payment, .trade:
            // The node's coordinator process is down: the node answers 503.
            guard coordinators[n].up else {
                attemptFinished(r, .lost)
                return
            }
            beginTxn(r, coordinator: n)
        case .topup: authorise(r)
        }
    }

    /// The request leaves its node: the slot goes to the next in the queue.
    func leaveNode(_ r: Request, ok: Bool) {
        guard let n = r.node else { return }
        r.node = nil
        let node = nodes[n]
        guard node.epoch == r.nodeEpoch, node.working.removeValue(forKey: r.id) != nil else { return }
        node.latencyWindow.record(microseconds: nowMicros - r.nodeArrivedAt)
        if ok { node.consecutiveErrors = 0 } else { nodeError(n) }
        while node.working.count < node.capacity, let next = node.queue.popFirst() {
            if !next.finished { startOnNode(next, n) }
        }
        if node.draining && node.inFlight == 0 && !node.drainedLogged {
            node.drainedLogged = true
            log(.info, "\(node.name) drained: nothing in flight")
        }
    }

    /// Passive outlier detection: enough consecutive errors eject the node.
    func nodeError(_ n: Int) {
        let node = nodes[n]
        node.errors.add()
        node.consecutiveErrors += 1
        // As Envoy's max_ejection_percent: never eject more than a third of the
        // nodes, or an outage downstream would empty the whole pool.
        var ejected = 0
        for other in nodes where nowMicros < other.ejectedUntil { ejected += 1 }
        if node.consecutiveErrors >= config.outlierConsecutiveErrors && nowMicros >= node.ejectedUntil && node.healthy
            && (ejected + 1) * 3 <= nodes.count {
            node.ejectedUntil = nowMicros + config.outlierEjection.microseconds
            node.slowStartFrom = node.ejectedUntil
            node.consecutiveErrors = 0
            log(.warn, "\(node.name) ejected after \(config.outlierConsecutiveErrors) consecutive errors for \(config.outlierEjection)")
        }
    }

    // MARK: Operator actions

    func drainNode(_ n: Int) {
        let node = nodes[n]
        node.draining = true
        node.drainedLogged = false
        log(.info, "\(node.name) draining: \(node.inFlight) in flight")
        if node.inFlight == 0 {
            node.drainedLogged = true
            log(.info, "\(node.name) drained: nothing in flight")
        }
    }

    /// A machine failure: in-flight work is lost with the process, and its
    /// coordinator with it. The balancer keeps sending until checks notice.
    func failNode(_ n: Int) {
        let node = nodes[n]
        node.alive = false
        node.epoch &+= 1
        log(.crit, "\(node.name) failed: \(node.inFlight) request\(node.inFlight == 1 ? "" : "s") in flight lost")
        crashCoordinator(n, reason: "its node failed", restart: false)
        let lost = node.working.keys.sorted().compactMap { node.working[$0] } + Array(node.queue)
        node.working.removeAll()
        node.queue.removeAll()
        for r in lost where r.node == n {
            r.node = nil
            attemptFinished(r, .lost)
        }
    }

    func recoverNode(_ n: Int) {
        let node = nodes[n]
        if !node.alive {
            node.alive = true
            node.consecutiveErrors = 0
            restartCoordinator(n, epoch: nil)
            log(.info, "\(node.name) restarted: waiting for \(config.healthCheckRise) passing health checks")
        }
        if node.draining {
            node.draining = false
            node.slowStartFrom = nowMicros
            log(.info, "\(node.name) back in rotation with slow start over \(config.slowStart)")
        }
        node.ejectedUntil = Int64.min
    }

    // MARK: Health checks

    func onHealthCheck(_ n: Int) {
        scheduleTimer(after: config.healthCheckInterval, .healthCheck(node: Int32(n)))
        let node = nodes[n]
        let pass = node.alive
        node.checkHistory.append(pass)
        if node.checkHistory.count > 10 { node.checkHistory.removeFirst() }
        if pass {
            node.consecutiveCheckPasses += 1
            node.consecutiveCheckFails = 0
            if !node.healthy && node.consecutiveCheckPasses >= config.healthCheckRise {
                node.healthy = true
                node.slowStartFrom = nowMicros
                log(.info, "\(node.name) passed its health check \(config.healthCheckRise)/\(config.healthCheckRise): marked up, slow start over \(config.slowStart)")
            }
        } else {
            node.consecutiveCheckFails += 1
            node.consecutiveCheckPasses = 0
            if node.healthy && node.consecutiveCheckFails >= config.healthCheckFall {
                node.healthy = false
                log(.warn, "\(node.name) failed its health check \(config.healthCheckFall)/\(config.healthCheckFall): marked down")
            }
        }
    }
}
