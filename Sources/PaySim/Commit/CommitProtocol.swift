/// The atomic commitment protocol used for transactions that span shards.
public enum CommitProtocol: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// Two-phase commit, presumed abort: blocking when the coordinator fails.
    case twoPhase = "2pc"
    /// Three-phase commit: non-blocking under crashes, unsafe under partitions.
    case threePhase = "3pc"
    public var description: String { rawValue }
}
