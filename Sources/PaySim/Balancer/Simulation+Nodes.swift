/// Requests on app nodes: CPU, worker slots, the accept queue, cache-aside
/// reads, failures, drains, health checks and outlier ejection.
extension Simulation {
    /// Sends one attempt of `r` through the balancer to a node.
    func dispatchToNode(_ r: Request) {
        guard let n = balancer.pick(customer: r.customer, nodes: nodes, now: nowMicros) else {
            // No node will take work: the balancer answers 503 itself.
            balancer.noteRejection()
            r.trace?.mark("balancer", "503: no node takes work", at: nowMicros)
            countShed(r, .noNode)
            schedule(after: 2 * networkHop(), .attemptAnswered(r, .refused(.noNode)))
            return
        }
        let node = nodes[n]
        node.requests.add()
        r.trace?.mark("balancer", "→ \(node.name) (\(balancer.algorithm.traceText))", at: nowMicros)
        guard node.alive else {
            // The balancer has not noticed yet: the connection is refused.
            r.trace?.mark(node.name, "connection refused: the node is down", at: nowMicros)
            nodeError(n)
            schedule(after: 2 * networkHop(), .attemptAnswered(r, .nodeFailed))
            return
        }
        r.node = n
        r.nodeEpoch = node.epoch
        r.nodeArrivedAt = nowMicros
        if node.working.count < node.capacity {
            startOnNode(r, n)
        } else if node.queue.count < node.queueLimit {
            node.queue.append(r)
            precondition(node.queue.count <= node.queueLimit, "\(node.name) queue over its limit")
        } else {
            // Admission control: a 503 that still costs a round trip and
            // some of the node's CPU, which is why a retry storm hurts.
            r.node = nil
            node.refusals.add()
            r.trace?.mark(node.name, "503: slots and queue full", at: nowMicros)
            countShed(r, .overloaded)
            let refusedAt = node.cpu.submit(at: nowMicros + networkHop(), service: config.nodeRejectCPU.microseconds)
            queue.schedule(at: refusedAt + networkHop(), .attemptAnswered(r, .refused(.overloaded)))
        }
    }

    /// Takes a worker slot: CPU time (times the node's slowness, queued for
    /// its cores) plus the cache-aside reads the request needs.
    func startOnNode(_ r: Request, _ n: Int) {
        let node = nodes[n]
        node.working[r.id] = r
        precondition(node.working.count <= node.capacity, "\(node.name) over its worker slots")
        if let b = r.trace {
            if nowMicros > r.nodeArrivedAt { b.step(node.name, "queued for a slot", from: r.nodeArrivedAt, to: nowMicros) }
            b.slotStart = nowMicros
        }
        let cpuDone = node.cpu.submit(at: nowMicros, service: Int64(nodeCPU.sample(&networkRNG) * node.slowFactor))
        r.cacheExtra = 0
        r.readFailure = nil
        var work = cpuDone - nowMicros
        work += cache.pipelinesReads ? issueCacheReads(for: r) : cacheReads(for: r, node: n, from: cpuDone)
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
        if let reason = r.readFailure {
            // A read needed a shard that is down, cut off or refusing work.
            r.trace?.step(nodes[n].name, "slot: a cache miss's shard read failed (\(reason))", from: r.trace!.slotStart, to: nowMicros)
            attemptFinished(r, .aborted(reason))
            return
        }
        r.trace?.step(nodes[n].name, "slot: CPU and cache reads", from: r.trace!.slotStart, to: nowMicros)
        switch r.workload {
        case .payment, .trade:
            // The node's coordinator process is down: the node fails it itself.
            guard coordinators[n].up else {
                nodeError(n)
                attemptFinished(r, .nodeFailed)
                return
            }
            beginTxn(r, coordinator: n)
        case .topup:
            // The gateway call is I/O: the worker slot goes back now.
            leaveNode(r, blame: false)
            callGateway(r, node: n)
        }
    }

    /// The request leaves its node: the slot goes to the next in the queue;
    /// queued work whose client has given up is dropped instead.
    func leaveNode(_ r: Request, blame: Bool) {
        guard let n = r.node else { return }
        r.node = nil
        let node = nodes[n]
        guard node.epoch == r.nodeEpoch, node.working.removeValue(forKey: r.id) != nil else { return }
        node.latencyWindow.record(microseconds: nowMicros - r.nodeArrivedAt)
        if blame { nodeError(n) } else { node.consecutiveErrors = 0 }
        while node.working.count < node.capacity, let next = node.queue.popFirst() {
            if next.finished { continue }
            if nowMicros >= next.deadline {
                next.node = nil
                countShed(next, .deadline)
                finish(next, .failed, at: next.deadline)
                continue
            }
            startOnNode(next, n)
        }
        noteIfDrained(node)
    }

    /// A draining node with nothing left in flight is drained: said once.
    func noteIfDrained(_ node: AppNode) {
        if node.draining && node.inFlight == 0 && !node.drainedLogged {
            node.drainedLogged = true
            log(.info, "\(node.name) drained: nothing in flight")
        }
    }

    /// Passive outlier detection: enough consecutive failures the node is to
    /// blame for eject it, never more than the ejection cap at once.
    func nodeError(_ n: Int) {
        let node = nodes[n]
        node.errors.add()
        node.consecutiveErrors += 1
        guard resilience.ejection, node.consecutiveErrors >= config.outlierConsecutiveErrors,
              nowMicros >= node.ejectedUntil, node.healthy else { return }
        // As Envoy's max_ejection_percent: an outage downstream must not
        // empty the whole pool. At least one node may always be ejected.
        var ejected = 0
        for other in nodes where nowMicros < other.ejectedUntil { ejected += 1 }
        let cap = max(1, Int(Double(nodes.count) * config.outlierMaxEjectionPercent / 100))
        guard ejected < cap else { return }
        node.ejectedUntil = nowMicros + config.outlierEjection.microseconds
        node.slowStartFrom = node.ejectedUntil
        node.consecutiveErrors = 0
        log(.warn, "\(node.name) ejected after \(config.outlierConsecutiveErrors) consecutive errors for \(config.outlierEjection)")
    }

    // MARK: Operator actions

    func drainNode(_ n: Int) {
        let node = nodes[n]
        node.draining = true
        node.drainedLogged = false
        log(.info, "\(node.name) draining: \(node.inFlight) in flight")
        noteIfDrained(node)
    }

    /// A machine failure: in-flight work is lost with the process, and its
    /// coordinator and its gateway connections with it. The balancer keeps
    /// sending until checks notice.
    func failNode(_ n: Int) {
        let node = nodes[n]
        node.alive = false
        node.epoch &+= 1
        let calls = node.gatewayCalls.count
        log(.crit, "\(node.name) failed: \(node.inFlight + calls) request\(node.inFlight + calls == 1 ? "" : "s") in flight lost")
        crashCoordinator(n, reason: "its node failed", restart: false)
        let lost = node.working.keys.sorted().compactMap { node.working[$0] } + Array(node.queue)
        node.working.removeAll()
        node.queue.removeAll()
        node.cpu.reset(at: nowMicros)
        for r in lost where r.node == n {
            r.node = nil
            attemptFinished(r, .nodeFailed)
        }
        // Gateway calls in flight: their answers die with the node. The
        // journal still holds each one, and its sweep reverses them.
        for id in node.gatewayCalls.keys.sorted() {
            guard let r = node.gatewayCalls[id] else { continue }
            r.gatewayToken &+= 1
            finish(r, .failed)
        }
        node.gatewayCalls.removeAll()
        node.bulkhead.dropAll()
        node.breaker.reset()
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
