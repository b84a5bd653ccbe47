/// A member of the platform's internal network that a partition can cut
/// off: a shard server, or an app node with the coordinator it hosts.
/// Clients, the balancer and the card gateway are outside it.
public enum NetworkMember: Hashable, Sendable {
    /// 0-based shard index.
    case shard(Int)
    /// 0-based node index.
    case node(Int)
}

/// Which members can reach which while partitions are in force.
///
/// A partition puts every member on a side; messages between members on
/// different sides are lost. Partitions overlap freely: two members can
/// talk only if every partition in force puts them on the same side.
///
/// A partition does not come down in an instant. For its first `onset` a
/// message across it is lost with a probability that rises from 0 to 1 (a
/// failing link drops some packets before it drops all of them); after
/// that every one is lost until it heals. Protocols that are safe under
/// message loss (2PC) shrug this off; 3PC's sides come to disagree.
struct Network {
    struct Cut {
        let id: Int
        /// Side of each member: shards first, then nodes.
        let side: [UInt8]
        let start: Int64
        let until: Int64
        let text: String
    }
    let shards: Int
    let nodes: Int
    let onsetMicros: Int64
    private(set) var cuts: [Cut] = []
    private var nextID = 0

    init(shards: Int, nodes: Int, onset: SimDuration) {
        self.shards = shards
        self.nodes = nodes
        onsetMicros = onset.microseconds
    }

    func slot(_ m: NetworkMember) -> Int {
        switch m {
        case .shard(let s): s
        case .node(let n): shards + n
        }
    }

    /// Cuts the network for `duration`. `sides[0]` is one side; with one
    /// list it is cut off from everyone else, with more each list is its
    /// own side and members not listed stay with the first.
    mutating func cut(_ sides: [[NetworkMember]], from start: Int64, until: Int64, text: String) -> Int {
        precondition(!sides.isEmpty)
        var side = [UInt8](repeating: sides.count == 1 ? 1 : 0, count: shards + nodes)
        for (i, members) in sides.enumerated() {
            for m in members { side[slot(m)] = sides.count == 1 ? 0 : UInt8(i) }
        }
        let id = nextID
        nextID += 1
        cuts.append(Cut(id: id, side: side, start: start, until: until, text: text))
        return id
    }

    /// Drops partitions that have ended; returns them.
    mutating func heal(now: Int64) -> [Cut] {
        guard cuts.contains(where: { $0.until <= now }) else { return [] }
        let ended = cuts.filter { $0.until <= now }
        cuts.removeAll { $0.until <= now }
        return ended
    }

    /// Does a message from `a` reach `b` at `now`? During a partition's
    /// onset the answer is drawn from `rng`.
    @inline(__always) func delivers(_ a: NetworkMember, _ b: NetworkMember, at now: Int64, _ rng: inout SeededRandom) -> Bool {
        if cuts.isEmpty { return true }
        let x = slot(a), y = slot(b)
        for c in cuts where now < c.until && c.side[x] != c.side[y] {
            let into = now - c.start
            if into >= onsetMicros || rng.nextDouble() * Double(onsetMicros) < Double(into) { return false }
        }
        return true
    }

    /// True while a partition keeps `m` away from the platform's main side:
    /// the side holding the most nodes (the coordinators), the first on a tie.
    func isCut(_ m: NetworkMember, at now: Int64) -> Bool {
        let x = slot(m)
        for c in cuts where now < c.until {
            var nodesOnSide: [UInt8: Int] = [:]
            for n in 0..<nodes { nodesOnSide[c.side[shards + n], default: 0] += 1 }
            let main = nodesOnSide.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }?.key ?? c.side[0]
            if c.side[x] != main { return true }
        }
        return false
    }
}
