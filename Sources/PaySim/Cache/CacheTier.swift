/// What a cache entry caches: cache-aside reads come in four keyspaces.
public enum CacheKeyspace: Int, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// A wallet's or broker account's balance: invalidated by every write to it.
    case account = 0
    /// A merchant's profile (limits, fees, settlement details).
    case merchant = 1
    /// A symbol's quote: a short TTL.
    case quote = 2
    /// A customer's profile (KYC status, limits, risk score): read on every
    /// request and rarely written, so it is what the cache saves the shards most.
    case profile = 3
    public var description: String {
        switch self {
        case .account: "account"
        case .merchant: "merchant"
        case .quote: "quote"
        case .profile: "profile"
        }
    }
}

/// A cache key: a keyspace and an id, packed into one integer so the
/// embedded cache hashes a word and Redis gets a short string.
public struct CacheKey: Hashable, Sendable, CustomStringConvertible {
    public let packed: Int64
    public init(_ space: CacheKeyspace, _ id: Int64) {
        precondition(id >= 0 && id < (1 << 48))
        packed = Int64(space.rawValue) << 48 | id
    }
    public var space: CacheKeyspace { CacheKeyspace(rawValue: Int(packed >> 48))! }
    public var id: Int64 { packed & ((1 << 48) - 1) }
    /// `account:42`, the form used in Redis keys.
    public var description: String { "\(space):\(id)" }
}

/// Counters of one keyspace.
public struct CacheKeyspaceStats: Sendable, Equatable, Codable {
    public var hits: Int64 = 0
    public var misses: Int64 = 0
    public var evictions: Int64 = 0
    public var expirations: Int64 = 0
    public init() {}
    public var hitRate: Double { hits + misses == 0 ? 0 : Double(hits) / Double(hits + misses) }
}

/// Totals and per-keyspace counters of a cache tier.
public struct CacheStats: Sendable, Equatable, Codable {
    public var keyspaces = [CacheKeyspaceStats](repeating: CacheKeyspaceStats(), count: CacheKeyspace.allCases.count)
    public var entries = 0
    public var capacity = 0
    public var flushes: Int64 = 0
    public init() {}
    public var total: CacheKeyspaceStats {
        keyspaces.reduce(into: CacheKeyspaceStats()) {
            $0.hits += $1.hits; $0.misses += $1.misses; $0.evictions += $1.evictions; $0.expirations += $1.expirations
        }
    }
}

/// The cache in front of the shards. Reads are cache-aside: a miss is
/// followed by a shard read and a `set`; writes `delete` what they change.
/// Times are simulated microseconds: a TTL never depends on the wall clock.
public protocol CacheTier: AnyObject {
    /// A short name for headers: `embedded`, or a Redis URL without its password.
    var backendName: String { get }
    /// The cached value, or nil on a miss (counted either way).
    func get(_ key: CacheKey, now: Int64) -> Int64?
    func set(_ key: CacheKey, value: Int64, ttl: SimDuration, now: Int64)
    func delete(_ key: CacheKey)
    /// Drops every entry this tier owns; returns how many, or nil when the
    /// backend could not be reached.
    @discardableResult
    func flush() -> Int?
    /// Changes the entry capacity, evicting least recently used entries if needed.
    func setCapacity(_ entries: Int)
    /// False when the size is the server's own (Redis maxmemory): payops
    /// does not change another system's configuration.
    var capacityIsOurs: Bool { get }
    var stats: CacheStats { get }
    /// False while the backend cannot be reached: every read is then a miss.
    var isAvailable: Bool { get }

    /// True for a server across a network: the simulation then issues a
    /// request's reads when its slot starts and answers every read of the
    /// slice in one round trip (`getMany`), instead of one call per read.
    var pipelinesReads: Bool { get }
    /// Answers reads in order, counting hits and misses as `get` does.
    func getMany(_ keys: [CacheKey], now: Int64) -> [Int64?]
    /// Sends writes held back for the next round trip.
    func sync()
    /// Called once a simulated second: a server backend reconnects, refreshes
    /// its own counters and reports what changed.
    func poll() -> [BackendNotice]
    /// Renews whatever keeps the backend's keys alive, by the wall clock;
    /// called every frame too, so a paused console stays alive.
    func keepAlive()
    /// The server's own counters since the run began (keyspace_hits, …), in
    /// display order; empty for the embedded cache.
    var serverCounters: [(name: String, value: Int64)] { get }
    /// Reads the server's counters now, for a final report.
    func refreshFigures()
}

/// Something a backend wants the operator to know: it went down, came back.
public struct BackendNotice: Sendable, Equatable {
    public var severity: Severity
    public var message: String
    public init(_ severity: Severity, _ message: String) {
        self.severity = severity
        self.message = message
    }
}

extension CacheTier {
    public var pipelinesReads: Bool { false }
    public var capacityIsOurs: Bool { true }
    public func getMany(_ keys: [CacheKey], now: Int64) -> [Int64?] { keys.map { get($0, now: now) } }
    public func sync() {}
    public func poll() -> [BackendNotice] { [] }
    public func keepAlive() {}
    public var serverCounters: [(name: String, value: Int64)] { [] }
    public func refreshFigures() {}
}
