import PaySim

/// The cache tier on a real Redis server. Every key lives under
/// `payops:<run-id>:cache:`; nothing else on the server is read, changed or
/// deleted, FLUSHDB and FLUSHALL are never sent, and `removeOwnKeys` clears
/// the prefix (SCAN MATCH + UNLINK) when the run ends.
///
/// Reads are pipelined: the simulation hands over a slice's reads at once
/// (`getMany`), and writes (SET with PX, UNLINK) ride along with the next
/// round trip. When the server is lost every read is a miss, so load
/// visibly moves to the shards; the pipe reconnects with backoff, and on
/// reconnecting the tier drops its own entries, because invalidations sent
/// while it was down never arrived.
public final class RedisCacheTier: CacheTier {
    public let pipe: RedisPipe
    public let prefix: String
    let prefixBytes: [UInt8]
    let runID: String
    public private(set) var stats = CacheStats()
    var seenGeneration: Int
    var reportedDown = false
    /// INFO counters: the values at the start of the current connection, and
    /// what earlier connections (perhaps to a server since restarted) added.
    var infoBase: [String: Int64] = [:]
    var infoCarry: [String: Int64] = [:]
    var infoLatest: [String: Int64] = [:]
    var lastInfo: ContinuousClock.Instant?
    static let infoFields = ["keyspace_hits", "keyspace_misses", "evicted_keys", "expired_keys", "used_memory"]

    /// Simulated seconds per wall second, measured: Redis expires keys by
    /// its own clock, so a TTL in simulated time is sent as PX at this pace.
    public private(set) var pace = 1.0
    var paceSample: (sim: Int64, wall: ContinuousClock.Instant)?

    public var backendName: String { pipe.url.description }
    public var isAvailable: Bool { pipe.isConnected }
    public var pipelinesReads: Bool { true }
    public var lastError: RedisError? { pipe.lastError }

    /// Connects at once: an unreachable server at start is an error for the caller.
    public convenience init(url: RedisURL, runID: String, capacity: Int) throws(RedisError) {
        self.init(pipe: try RedisPipe(url: url), runID: runID, capacity: capacity)
    }

    /// On a pipe it may share with the message log on the same server: the
    /// two then ride the same round trips.
    public init(pipe: RedisPipe, runID: String, capacity: Int) {
        self.pipe = pipe
        prefix = "payops:\(runID):cache:"
        self.runID = runID
        prefixBytes = Array(prefix.utf8)
        stats.capacity = capacity
        seenGeneration = pipe.generation
        infoBase = readInfo() ?? [:]
    }

    /// The key as bytes, straight into the command buffer: `payops:<run>:cache:account:42`.
    func appendKey(_ k: CacheKey) {
        pipe.buffer.append(prefixBytes)
        pipe.buffer.append(RedisCacheTier.spaceBytes[k.space.rawValue])
        pipe.buffer.append(k.id)
        pipe.buffer.endArgument()
    }

    static let spaceBytes: [[UInt8]] = CacheKeyspace.allCases.map { Array("\($0):".utf8) }
    static let get: [UInt8] = Array("GET".utf8), set: [UInt8] = Array("SET".utf8), px: [UInt8] = Array("PX".utf8), unlink: [UInt8] = Array("UNLINK".utf8)

    func word(_ w: [UInt8]) {
        pipe.buffer.append(w)
        pipe.buffer.endArgument()
    }

    public func get(_ k: CacheKey, now: Int64) -> Int64? { getMany([k], now: now)[0] }

    /// Every read in one round trip, together with the writes held since the last.
    public func getMany(_ keys: [CacheKey], now: Int64) -> [Int64?] {
        measurePace(now: now)
        var values = [Int64?](repeating: nil, count: keys.count)
        if pipe.isConnected {
            var slots: [Int] = []
            slots.reserveCapacity(keys.count)
            for k in keys {
                word(RedisCacheTier.get)
                appendKey(k)
                pipe.buffer.endCommand()
                slots.append(pipe.heldCommandExpectingInteger())
            }
            pipe.flush()
            if pipe.isConnected {
                for (i, slot) in slots.enumerated() { values[i] = pipe.integers[slot] }
            }
        } else {
            pipe.flush()  // drops held writes; nothing reaches a server that is not there
        }
        for (i, k) in keys.enumerated() {
            if values[i] != nil { stats.keyspaces[k.space.rawValue].hits += 1 } else { stats.keyspaces[k.space.rawValue].misses += 1 }
        }
        return values
    }

    public func set(_ k: CacheKey, value: Int64, ttl: SimDuration, now: Int64) {
        guard pipe.isConnected else { return }
        word(RedisCacheTier.set)
        appendKey(k)
        pipe.buffer.append(value)
        pipe.buffer.endArgument()
        word(RedisCacheTier.px)
        pipe.buffer.append(min(RunLease.maxCacheTTLMilliseconds, max(1, Int64((Double(ttl.microseconds) / 1_000 / pace).rounded()))))
        pipe.buffer.endArgument()
        pipe.buffer.endCommand()
        pipe.heldCommandDiscardingReply()
    }

    public func delete(_ k: CacheKey) {
        guard pipe.isConnected else { return }
        word(RedisCacheTier.unlink)
        appendKey(k)
        pipe.buffer.endCommand()
        pipe.heldCommandDiscardingReply()
    }

    public func sync() { pipe.flush() }

    /// Updates `pace` at most four times a wall second, smoothed; a pause
    /// (no simulated time passing) leaves it as it was.
    func measurePace(now: Int64) {
        let wall = ContinuousClock.now
        guard let last = paceSample else { paceSample = (now, wall); return }
        let elapsed = wall - last.wall
        guard elapsed >= .milliseconds(250) else { return }
        paceSample = (now, wall)
        let seconds = elapsed.inSeconds
        let simulated = Double(now - last.sim) / 1e6
        guard simulated > 0 else { return }
        pace = min(1_000, max(0.01, 0.5 * pace + 0.5 * simulated / seconds))
    }

    /// Removes this run's entries only (SCAN MATCH + UNLINK); never FLUSHDB.
    @discardableResult
    public func flush() -> Int? {
        stats.flushes += 1
        return removeOwnKeys()
    }

    /// Redis evicts by its own maxmemory policy, which payops leaves alone.
    public var capacityIsOurs: Bool { false }
    public func setCapacity(_ entries: Int) { stats.capacity = entries }

    /// Deletes every key under this run's prefix; returns how many, or nil
    /// when the server cannot be reached.
    @discardableResult
    public func removeOwnKeys() -> Int? { pipe.removeKeys(prefix: prefix) }

    public func poll() -> [BackendNotice] {
        if let down = pipe.pollOutage("cache", effect: "every read is a miss until it is back", reported: &reportedDown) { return down }
        var notices: [BackendNotice] = []
        if pipe.generation != seenGeneration {
            seenGeneration = pipe.generation
            for (k, v) in infoLatest { infoCarry[k, default: 0] += v - (infoBase[k] ?? 0) }
            infoLatest = [:]
            infoBase = readInfo() ?? [:]
            let dropped = removeOwnKeys() ?? 0
            notices.append(BackendNotice(.info, "cache back on \(backendName); dropped \(dropped) entr\(dropped == 1 ? "y" : "ies") that may have missed invalidations"))
        }
        keepAlive()
        refreshInfo()
        return notices
    }

    /// Renews the run's heartbeat when it is due (the entries expire by their own TTL).
    public func keepAlive() {
        if pipe.renewLease(runID: runID, owner: "cache", keys: []) { pipe.flush() }
    }

    /// At most twice a wall second: INFO is a round trip.
    func refreshInfo() {
        let now = ContinuousClock.now
        if let last = lastInfo, now - last < .milliseconds(500) { return }
        lastInfo = now
        if let info = readInfo() { infoLatest = info }
    }

    func readInfo() -> [String: Int64]? {
        guard let text = pipe.call(["INFO"])?.string else { return nil }
        var out: [String: Int64] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, RedisCacheTier.infoFields.contains(String(parts[0])),
                  let v = Int64(parts[1]) else { continue }
            out[String(parts[0])] = v
        }
        return out
    }

    /// The server's counters since the run began; used_memory is the current figure.
    public var serverCounters: [(name: String, value: Int64)] {
        RedisCacheTier.infoFields.compactMap { f in
            guard let v = infoLatest[f] else { return nil }
            if f == "used_memory" { return (f, v) }
            return (f, v - (infoBase[f] ?? 0) + (infoCarry[f] ?? 0))
        }
    }

    /// Reads the server's counters now (final reports, tests).
    public func refreshFigures() {
        if let info = readInfo() { infoLatest = info }
    }
}
