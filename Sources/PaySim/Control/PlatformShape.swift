/// How many nodes and shards a platform has: what a command's `node-N` or
/// `shard-N` must fall within. Parsing against a shape turns a name that
/// does not exist into an error at its column, before anything runs.
public struct PlatformShape: Sendable, Equatable {
    public var nodes: Int
    public var shards: Int
    public init(nodes: Int, shards: Int) {
        self.nodes = nodes
        self.shards = shards
    }
    public init(_ config: SimulationConfig) {
        self.init(nodes: config.nodes, shards: config.shards)
    }
}

extension OperatorCommand {
    /// The node (`true`) or shard (`false`) a command names, 0-based.
    var target: (isNode: Bool, index: Int)? {
        switch self {
        case .drainNode(let n), .failNode(let n), .recoverNode(let n), .slowNode(let n, _), .weightNode(let n, _),
             .crashCoordinator(let n), .restoreCoordinator(let n):
            (true, n)
        case .crashShard(let s), .restoreShard(let s), .partitionShard(let s, _):
            (false, s)
        default:
            nil
        }
    }
}

extension CommandParser {
    /// Parses a command and checks that the node or shard it names exists.
    public static func parse(_ line: String, shape: PlatformShape) throws(CommandParseError) -> OperatorCommand {
        let command = try parse(line)
        guard let (isNode, index) = command.target else { return command }
        let count = isNode ? shape.nodes : shape.shards
        guard index >= count else { return command }
        let prefix = isNode ? "node" : "shard"
        let tokens = tokenize(line).tokens
        let bad = tokens.first { t in
            (try? CommandParser.index(t, prefix: prefix, example: "")) == index
        }
        let text = bad?.text ?? "\(prefix)-\(index + 1)"
        throw CommandParseError(column: bad?.column ?? 1, token: text,
                                message: "there is no \(text); \(prefix)s are \(prefix)-1 … \(prefix)-\(count)")
    }
}
