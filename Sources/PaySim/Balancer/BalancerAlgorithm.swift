/// How the load balancer picks an app node for a new request.
public enum BalancerAlgorithm: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// Round robin over nodes that take work.
    case roundRobin = "rr"
    /// Smooth weighted round robin, as nginx does it (weights 5,1,1 give a a b a c a a).
    case weightedRoundRobin = "wrr"
    case random = "random"
    /// The node with the fewest requests in flight (relative to its weight).
    case leastConnections = "leastconn"
    /// Power of two choices: the less loaded of two random nodes.
    case powerOfTwoChoices = "p2c"
    /// Consistent hashing on the customer account, with virtual nodes.
    case consistentHash = "hash"

    public var description: String { rawValue }
}
