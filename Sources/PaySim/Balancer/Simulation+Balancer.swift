/// Choosing a node for each request: the six algorithms over the nodes the
/// balancer believes can take work.
extension Simulation {
    func buildHashRing() {
        // 64 virtual points per node: an even spread, and adding or removing
        // a node moves only its own share of customers.
        var ring: [(UInt64, Int)] = []
        for n in nodes.indices {
            for v in 0..<64 { ring.append((Ledger.hash(UInt64(n) << 32 | UInt64(v)), n)) }
        }
        hashRing = ring.sorted { $0.0 < $1.0 }
    }

    /// The node for a request, or nil when no node is eligible. Walks the
    /// node list in place: one request, no allocation.
    func pickNode(for r: Request) -> Int? {
        let now = nowMicros
        switch balancerAlgorithm {
        case .roundRobin:
            for _ in 0..<nodes.count {
                let n = rrCursor % nodes.count
                rrCursor += 1
                if nodes[n].eligible(now: now) && admitDuringSlowStart(n) { return n }
            }
            return nodes.indices.first { nodes[$0].eligible(now: now) }
        case .consistentHash:
            return hashRingNode(for: r)
        case .weightedRoundRobin:
            // nginx's smooth weighted round robin.
            var total = 0
            var best: Int?
            for n in nodes.indices where nodes[n].eligible(now: now) {
                let w = Int((nodes[n].effectiveWeight(now: now, slowStart: config.slowStart.microseconds) * 100).rounded())
                nodes[n].currentWeight += w
                total += w
                if best.map({ nodes[n].currentWeight > nodes[$0].currentWeight }) ?? true { best = n }
            }
            guard let chosen = best else { return nil }
            nodes[chosen].currentWeight -= total
            return chosen
        case .random:
            let count = eligibleCount()
            guard count > 0 else { return nil }
            for _ in 0..<8 {
                let n = nthEligible(balancerRNG.nextInt(below: count))
                if admitDuringSlowStart(n) { return n }
            }
            return nthEligible(balancerRNG.nextInt(below: count))
        case .leastConnections:
            var best: Int?
            for n in nodes.indices where nodes[n].eligible(now: now) && (best.map { load(n) < load($0) } ?? true) { best = n }
            return best
        case .powerOfTwoChoices:
            let count = eligibleCount()
            guard count > 0 else { return nil }
            if count == 1 { return nthEligible(0) }
            let i = balancerRNG.nextInt(below: count)
            var j = balancerRNG.nextInt(below: count - 1)
            if j >= i { j += 1 }
            let a = nthEligible(i), b = nthEligible(j)
            return load(a) <= load(b) ? a : b
        }
    }

    func eligibleCount() -> Int {
        var count = 0
        for n in nodes where n.eligible(now: nowMicros) { count += 1 }
        return count
    }

    /// The k-th (0-based) eligible node in index order; k < eligibleCount().
    func nthEligible(_ k: Int) -> Int {
        var seen = 0
        for n in nodes.indices where nodes[n].eligible(now: nowMicros) {
            if seen == k { return n }
            seen += 1
        }
        preconditionFailure("fewer than \(k + 1) eligible nodes")
    }

    /// The first eligible node clockwise from the customer's point on the ring.
    func hashRingNode(for r: Request) -> Int? {
        let h = Ledger.hash(UInt64(r.customer) &* 0x9E37_79B9)
        var lo = 0, hi = hashRing.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if hashRing[mid].0 < h { lo = mid + 1 } else { hi = mid }
        }
        for k in 0..<hashRing.count {
            let n = hashRing[(lo + k) % hashRing.count].1
            if nodes[n].eligible(now: nowMicros) { return n }
        }
        return nil
    }

    /// In-flight work relative to weight (slow start included).
    func load(_ n: Int) -> Double {
        Double(nodes[n].inFlight + 1) / nodes[n].effectiveWeight(now: nowMicros, slowStart: config.slowStart.microseconds)
    }

    /// Algorithms without weights honour slow start by admitting a node
    /// with the probability of its ramp.
    func admitDuringSlowStart(_ n: Int) -> Bool {
        let ramp = nodes[n].effectiveWeight(now: nowMicros, slowStart: config.slowStart.microseconds) / Double(max(1, nodes[n].weight))
        return ramp >= 1 || balancerRNG.nextDouble() < ramp
    }
}
