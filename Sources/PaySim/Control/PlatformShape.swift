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
    /// The nodes (`true`) and shards (`false`) a command names, 0-based.
    var targets: [(isNode: Bool, index: Int)] {
        switch self {
        case .drainNode(let n), .failNode(let n), .recoverNode(let n), .slowNode(let n, _), .weightNode(let n, _),
             .crashCoordinator(let n), .restoreCoordinator(let n):
            [(true, n)]
        case .crashShard(let s), .restoreShard(let s):
            [(false, s)]
        case .partition(let sides, _):
            sides.flatMap { $0 }.map { m in
                switch m {
                case .shard(let s): (false, s)
                case .node(let n): (true, n)
                }
            }
        default:
            []
        }
    }
}

extension CommandParser {
    /// Parses a command and checks that the node or shard it names exists.
    public static func parse(_ line: String, shape: PlatformShape) throws(CommandParseError) -> OperatorCommand {
        let command = try parse(line)
        for (isNode, index) in command.targets {
            let count = isNode ? shape.nodes : shape.shards
            guard index >= count else { continue }
            let prefix = isNode ? "node" : "shard"
            // The offending name, which may sit inside a comma list.
            var bad: Token?
            for t in tokenize(line).tokens where bad == nil {
                var column = t.column
                for piece in t.text.split(separator: ",", omittingEmptySubsequences: false) {
                    let sub = Token(text: String(piece), lower: piece.lowercased(), column: column)
                    for part in sub.text.split(separator: "|") where bad == nil {
                        let offset = sub.text.distance(from: sub.text.startIndex, to: part.startIndex)
                        let candidate = Token(text: String(part), lower: part.lowercased(), column: column + offset)
                        if (try? CommandParser.index(candidate, prefix: prefix, example: "")) == index { bad = candidate }
                    }
                    column += piece.count + 1
                }
            }
            let text = bad?.text ?? "\(prefix)-\(index + 1)"
            throw CommandParseError(column: bad?.column ?? 1, token: text,
                                    message: "there is no \(text); \(prefix)s are \(prefix)-1 … \(prefix)-\(count)")
        }
        return command
    }
}
