/// Cache-aside reads in front of the shards, and invalidation on commit.
///
/// With the embedded cache a read is answered when it is made. With a
/// server (`pipelinesReads`) a request's reads are issued when its worker
/// slot starts and held; the first request that needs its answers sends
/// every read held so far in one pipelined round trip. The simulated time a
/// read costs is the same either way: two hops for a hit, and for a miss
/// also the shard read and the refill.
extension Simulation {
    /// One cache-aside read a request needs.
    struct CacheRead {
        let key: CacheKey
        let row: Int32
        let ttl: SimDuration
    }

    /// The reads a request needs, in the order it makes them.
    func cacheReadPlan(for r: Request) -> [CacheRead] {
        switch r.workload {
        case .payment:
            let wallet = ledger.wallet(customer: r.customer)
            return [CacheRead(key: CacheKey(.account, Int64(wallet)), row: wallet, ttl: config.accountTTL),
                    CacheRead(key: CacheKey(.merchant, Int64(r.merchant)), row: ledger.merchant(r.merchant), ttl: config.merchantTTL)]
        case .topup:
            let wallet = ledger.wallet(customer: r.customer)
            return [CacheRead(key: CacheKey(.account, Int64(wallet)), row: wallet, ttl: config.accountTTL)]
        case .trade:
            let broker = ledger.broker(customer: r.customer)
            return [CacheRead(key: CacheKey(.account, Int64(broker)), row: broker, ttl: config.accountTTL),
                    CacheRead(key: CacheKey(.quote, Int64(r.symbol)), row: ledger.clearingInventory(symbol: r.symbol, shard: 0), ttl: config.quoteTTL)]
        }
    }

    var cacheHitCost: Int64 { 2 * config.networkLatencyMedian.microseconds }
    /// What a miss costs beyond a hit: the shard read and the refill.
    var cacheMissExtra: Int64 { 2 * config.networkLatencyMedian.microseconds + config.shardReadTime.microseconds }

    /// Reads what a request needs through the cache now; returns the time the reads take.
    func cacheReads(for r: Request) -> Int64 {
        var cost: Int64 = 0
        for read in cacheReadPlan(for: r) {
            cost += cacheHitCost
            if cache.get(read.key, now: nowMicros) == nil { cost += refill(read) }
        }
        return cost
    }

    /// A miss: the shard read that answers it and the `set` that refills the cache.
    func refill(_ read: CacheRead) -> Int64 {
        shardReads[ledger.shard(of: read.row)].add()
        cache.set(read.key, value: ledger.balance(read.row), ttl: read.ttl, now: nowMicros)
        return cacheMissExtra
    }

    /// Holds a request's reads for the next round trip; returns the time
    /// they take if every one hits. What misses add is known once the round
    /// trip is answered (`resolveCacheReads`).
    func issueCacheReads(for r: Request) -> Int64 {
        let reads = cacheReadPlan(for: r)
        heldCacheReads.append((r, r.nodeToken &+ 1, reads))
        r.cacheReadsHeld = true
        return Int64(reads.count) * cacheHitCost
    }

    /// Sends every held read in one pipelined round trip and gives each
    /// request what its misses add. Reads of a request that has since left
    /// its node are still counted: the node did make them.
    func resolveCacheReads() {
        guard !heldCacheReads.isEmpty else { return }
        let batch = heldCacheReads
        heldCacheReads.removeAll(keepingCapacity: true)
        var keys: [CacheKey] = []
        keys.reserveCapacity(batch.count * 2)
        for entry in batch { for read in entry.reads { keys.append(read.key) } }
        let values = cache.getMany(keys, now: nowMicros)
        var i = 0
        for (r, token, reads) in batch {
            var extra: Int64 = 0
            for read in reads {
                if values[i] == nil { extra += refill(read) }
                i += 1
            }
            if r.nodeToken == token {
                r.cacheReadsHeld = false
                r.cacheExtra = extra
            }
        }
    }

    /// A committed write makes the cached copy stale: drop it.
    func invalidate(row: Int32) {
        switch ledger.kind(of: row) {
        // Merchant entries cache the merchant's profile, which payments do
        // not change; only balances go stale.
        case .wallet, .broker: cache.delete(CacheKey(.account, Int64(row)))
        default: break
        }
    }

    /// Once a simulated second: lets a server backend reconnect and report.
    func pollCache() {
        for notice in cache.poll() { log(notice.severity, notice.message) }
    }
}
