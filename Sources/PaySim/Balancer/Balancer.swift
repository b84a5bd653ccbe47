/// The load balancer: picks a node for each request by one of six
/// algorithms over the nodes it believes can take work. It owns its
/// round-robin cursor, the smooth-weighted-round-robin weights, the
/// consistent-hash ring and its own random stream; it reads the nodes'
/// states and loads and never changes them.
struct Balancer {
    var algorithm: BalancerAlgorithm
    private var rrCursor = 0
    /// nginx's smooth weighted round robin: each node's current weight.
    private var currentWeights: [Int]
    /// 64 virtual points per node, sorted by hash.
    private let ring: [(point: UInt64, node: Int)]
    private var rng: SeededRandom
    let slowStartMicros: Int64
    /// Requests it answered 503 itself: no node would take work.
    private(set) var rejections = CounterSeries()

    init(algorithm: BalancerAlgorithm, nodes: Int, slowStart: SimDuration, seed: UInt64) {
        self.algorithm = algorithm
        currentWeights = [Int](repeating: 0, count: nodes)
        // 64 virtual points per node: an even spread, and adding or removing
        // a node moves only its own share of customers.
        var points: [(UInt64, Int)] = []
        for n in 0..<nodes {
            for v in 0..<64 { points.append((Ledger.hash(UInt64(n) << 32 | UInt64(v)), n)) }
        }
        ring = points.sorted { $0.0 < $1.0 }
        rng = SeededRandom(seed: seed, stream: "balancer")
        slowStartMicros = slowStart.microseconds
    }

    mutating func setAlgorithm(_ a: BalancerAlgorithm) {
        algorithm = a
        for i in currentWeights.indices { currentWeights[i] = 0 }
    }

    mutating func noteRejection() { rejections.add() }
    mutating func tick() { rejections.tick() }

    /// The node for a request from `customer`, or nil when no node is
    /// eligible. Walks the node list in place: one request, no allocation.
    mutating func pick(customer: Int, nodes: [AppNode], now: Int64) -> Int? {
        switch algorithm {
        case .roundRobin:
            for _ in 0..<nodes.count {
                let n = rrCursor % nodes.count
                rrCursor += 1
                if nodes[n].eligible(now: now) && admitDuringSlowStart(nodes[n], now: now) { return n }
            }
            return nodes.indices.first { nodes[$0].eligible(now: now) }
        case .consistentHash:
            let h = Ledger.hash(UInt64(customer) &* 0x9E37_79B9)
            var lo = 0, hi = ring.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if ring[mid].point < h { lo = mid + 1 } else { hi = mid }
            }
            for k in 0..<ring.count {
                let n = ring[(lo + k) % ring.count].node
                if nodes[n].eligible(now: now) { return n }
            }
            return nil
        case .weightedRoundRobin:
            var total = 0
            var best: Int?
            for n in nodes.indices where nodes[n].eligible(now: now) {
                let w = Int((nodes[n].effectiveWeight(now: now, slowStart: slowStartMicros) * 100).rounded())
                currentWeights[n] += w
                total += w
                if best.map({ currentWeights[n] > currentWeights[$0] }) ?? true { best = n }
            }
            guard let chosen = best else { return nil }
            currentWeights[chosen] -= total
            return chosen
        case .random:
            let count = eligibleCount(nodes, now: now)
            guard count > 0 else { return nil }
            for _ in 0..<8 {
                let n = nthEligible(nodes, rng.nextInt(below: count), now: now)
                if admitDuringSlowStart(nodes[n], now: now) { return n }
            }
            return nthEligible(nodes, rng.nextInt(below: count), now: now)
        case .leastConnections:
            var best: Int?
            for n in nodes.indices where nodes[n].eligible(now: now)
                && (best.map { load(nodes[n], now: now) < load(nodes[$0], now: now) } ?? true) {
                best = n
            }
            return best
        case .powerOfTwoChoices:
            let count = eligibleCount(nodes, now: now)
            guard count > 0 else { return nil }
            if count == 1 { return nthEligible(nodes, 0, now: now) }
            let i = rng.nextInt(below: count)
            var j = rng.nextInt(below: count - 1)
            if j >= i { j += 1 }
            let a = nthEligible(nodes, i, now: now), b = nthEligible(nodes, j, now: now)
            return load(nodes[a], now: now) <= load(nodes[b], now: now) ? a : b
        }
    }

    private func eligibleCount(_ nodes: [AppNode], now: Int64) -> Int {
        var count = 0
        for n in nodes where n.eligible(now: now) { count += 1 }
        return count
    }

    /// The k-th (0-based) eligible node in index order; k < eligibleCount.
    private func nthEligible(_ nodes: [AppNode], _ k: Int, now: Int64) -> Int {
        var seen = 0
        for n in nodes.indices where nodes[n].eligible(now: now) {
            if seen == k { return n }
            seen += 1
        }
        preconditionFailure("fewer than \(k + 1) eligible nodes")
    }

    /// In-flight work relative to weight (slow start included).
    private func load(_ node: AppNode, now: Int64) -> Double {
        Double(node.inFlight + 1) / node.effectiveWeight(now: now, slowStart: slowStartMicros)
    }

    /// Algorithms without weights honour slow start by admitting a node
    /// with the probability of its ramp.
    private mutating func admitDuringSlowStart(_ node: AppNode, now: Int64) -> Bool {
        let ramp = node.effectiveWeight(now: now, slowStart: slowStartMicros) / Double(max(1, node.weight))
        return ramp >= 1 || rng.nextDouble() < ramp
    }
}
