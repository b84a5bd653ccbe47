import PaySim

/// The cache tier on a real Redis server. Every key lives under
/// `payops:<run-id>:cache:`; nothing else on the server is read, changed or
/// deleted, FLUSHDB and FLUSHALL are never sent, and `removeOwnKeys` clears
/// the prefix (SCAN MATCH + UNLINK) when the run ends.
///
/// When the server is lost the tier reports itself unavailable and answers
/// every read as a miss, so load visibly moves to the shards; it tries to
/// reconnect every `reconnectEvery` calls, doubling up to a bound.
public final class RedisCacheTier: CacheTier {
    public let url: RedisURL
    public let prefix: String
    var connection: RedisConnection?
    public private(set) var stats = CacheStats()
    public private(set) var lastError: RedisError?
    var capacity: Int
    var callsUntilReconnect = 0
    var reconnectBackoff = 1
    static let maxBackoff = 4_096

    public var backendName: String { url.description }
    public var isAvailable: Bool { connection != nil }

    /// Connects at once: an unreachable server at start is an error for the caller.
    public init(url: RedisURL, runID: String, capacity: Int) throws(RedisError) {
        self.url = url
        prefix = "payops:\(runID):cache:"
        self.capacity = capacity
        stats.capacity = capacity
        connection = try RedisConnection(url: url)
    }

    func key(_ k: CacheKey) -> String { prefix + k.description }

    /// Runs `body` on the connection; a lost connection marks the tier down.
    func withConnection<T>(_ body: (RedisConnection) throws(RedisError) -> T) -> T? {
        if connection == nil {
            guard callsUntilReconnect <= 0 else { callsUntilReconnect -= 1; return nil }
            do {
                connection = try RedisConnection(url: url)
                reconnectBackoff = 1
                lastError = nil
            } catch {
                lastError = error
                reconnectBackoff = min(reconnectBackoff * 2, RedisCacheTier.maxBackoff)
                callsUntilReconnect = reconnectBackoff
                return nil
            }
        }
        do {
            return try body(connection!)
        } catch {
            lastError = error
            connection = nil
            callsUntilReconnect = reconnectBackoff
            return nil
        }
    }

    public func get(_ k: CacheKey, now: Int64) -> Int64? {
        let space = k.space.rawValue
        let reply = withConnection { c throws(RedisError) in try c.command(["GET", key(k)]) }
        if let s = reply?.string, let v = Int64(s) {
            stats.keyspaces[space].hits += 1
            return v
        }
        stats.keyspaces[space].misses += 1
        return nil
    }

    public func set(_ k: CacheKey, value: Int64, ttl: SimDuration, now: Int64) {
        let ms = String(max(1, ttl.microseconds / 1_000))
        _ = withConnection { c throws(RedisError) in try c.command(["SET", key(k), String(value), "PX", ms]) }
    }

    public func delete(_ k: CacheKey) {
        _ = withConnection { c throws(RedisError) in try c.command(["UNLINK", key(k)]) }
    }

    public func flush() {
        _ = removeOwnKeys()
        stats.flushes += 1
    }

    /// Redis evicts by its own maxmemory policy; the figure is kept for display.
    public func setCapacity(_ entries: Int) {
        capacity = entries
        stats.capacity = entries
    }

    /// Deletes every key under this run's prefix; returns how many.
    @discardableResult
    public func removeOwnKeys() -> Int {
        withConnection { c throws(RedisError) in
            var cursor = "0"
            var removed = 0
            repeat {
                guard case .array(let parts) = try c.command(["SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"]), parts.count == 2,
                      let next = parts[0].string, case .array(let keys) = parts[1] else { break }
                cursor = next
                let names = keys.compactMap(\.string)
                if !names.isEmpty {
                    if case .integer(let n) = try c.command(["UNLINK"] + names) { removed += Int(n) }
                }
            } while cursor != "0"
            return removed
        } ?? 0
    }

    /// The server's own counters (INFO stats and memory) that the console shows beside ours.
    public func serverInfo() -> [String: Int64] {
        guard let text = withConnection({ c throws(RedisError) in try c.command(["INFO"]) })?.string else { return [:] }
        var out: [String: Int64] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, ["keyspace_hits", "keyspace_misses", "evicted_keys", "expired_keys", "used_memory"].contains(String(parts[0])),
                  let v = Int64(parts[1]) else { continue }
            out[String(parts[0])] = v
        }
        return out
    }
}
