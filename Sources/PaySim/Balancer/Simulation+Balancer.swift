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

    /// The node for a request, or nil when no node is eligible.
    func pickNode(for r: Request) -> Int? {
        // Round robin and the hash ring walk the nodes themselves; only the
        // other algorithms need the eligible set, so only they build it.
        switch balancerAlgorithm {
        case .roundRobin:
            for _ in 0..<nodes.count {
                let n = rrCursor % nodes.count
                rrCursor += 1
                if nodes[n].eligible(now: nowMicros) && admitDuringSlowStart(n) { return n }
            }
            return nodes.indices.first { nodes[$0].eligible(now: nowMicros) }
        case .consistentHash:
            return hashRingNode(for: r)
        default:
            break
        }
        let eligible = nodes.indices.filter { nodes[$0].eligible(now: nowMicros) }
        guard !eligible.isEmpty else { return nil }
        let slow = config.slowStart.microseconds
        switch balancerAlgorithm {
        case .roundRobin, .consistentHash:
            preconditionFailure("handled above")
        case .weightedRoundRobin:
            // nginx's smooth weighted round robin.
            var total = 0
            var best = eligible[0]
            for n in eligible {
                let w = Int((nodes[n].effectiveWeight(now: nowMicros, slowStart: slow) * 100).rounded())
                nodes[n].currentWeight += w
                total += w
                if nodes[n].currentWeight > nodes[best].currentWeight { best = n }
            }
            nodes[best].currentWeight -= total
            return best
        case .random:
            for _ in 0..<8 {
                let n = eligible[balancerRNG.nextInt(below: eligible.count)]
                if admitDuringSlowStart(n) { return n }
            }
            return eligible[balancerRNG.nextInt(below: eligible.count)]
        case .leastConnections:
            var best = eligible[0]
            for n in eligible.dropFirst() where load(n) < load(best) { best = n }
            return best
        case .powerOfTwoChoices:
            if eligible.count == 1 { return eligible[0] }
            let i = balancerRNG.nextInt(below: eligible.count)
            var j = balancerRNG.nextInt(below: eligible.count - 1)
            if j >= i { j += 1 }
            let a = eligible[i], b = eligible[j]
            return load(a) <= load(b) ? a : b
        }
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
