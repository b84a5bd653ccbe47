/// Cache-aside reads in front of the shards, and invalidation on commit.
extension Simulation {
    /// Reads what a request needs through the cache; returns the time the
    /// reads take. A miss costs a shard read and refills the cache.
    func cacheReads(for r: Request) -> Int64 {
        switch r.workload {
        case .payment:
            return accountRead(ledger.wallet(customer: r.customer))
                + cachedRead(CacheKey(.merchant, Int64(r.merchant)), row: ledger.merchant(r.merchant), ttl: config.merchantTTL)
        case .topup:
            return accountRead(ledger.wallet(customer: r.customer))
        case .trade:
            return accountRead(ledger.broker(customer: r.customer))
                + cachedRead(CacheKey(.quote, Int64(r.symbol)), row: ledger.clearingInventory(symbol: r.symbol, shard: 0), ttl: config.quoteTTL)
        }
    }

    /// Account entries are keyed by their row, which is what `invalidate` deletes.
    func accountRead(_ row: Int32) -> Int64 {
        cachedRead(CacheKey(.account, Int64(row)), row: row, ttl: config.accountTTL)
    }

    func cachedRead(_ key: CacheKey, row: Int32, ttl: SimDuration) -> Int64 {
        let hop = config.networkLatencyMedian.microseconds
        if cache.get(key, now: nowMicros) != nil { return 2 * hop }
        let shard = ledger.shard(of: row)
        shardReads[shard].add()
        cache.set(key, value: ledger.balance(row), ttl: ttl, now: nowMicros)
        return 4 * hop + config.shardReadTime.microseconds
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
}
