/// Cache-aside reads in front of the shards, and invalidation on commit.
///
/// With the embedded cache a read is answered when it is made. With a
/// server (`pipelinesReads`) a request's reads are issued when its worker
/// slot starts and held; the first request that needs its answers sends
/// every read held so far in one pipelined round trip. A request makes its
/// reads in parallel, so they take as long as the slowest: two hops for a
/// hit, and for a miss also the shard read (queued for the shard's CPU) and
/// the refill. The simulated time is the same with either backend.
///
/// The refill lands when the shard's answer does, not when the miss is
/// seen: until then every request for the same key misses too and reads the
/// shard again. That is the dogpile behind a flush-induced stampede: the
/// slower the shards get, the longer hot keys stay missing.
///
/// The platform starts warm, as one that has been running would: the
/// cache holds the most popular entries (`warmCache`), with expiries spread
/// over their TTLs so they do not all lapse at once.
extension Simulation {
    /// One cache-aside read a request needs.
    struct CacheRead {
        let key: CacheKey
        let row: Int32
        let ttl: SimDuration
    }

    /// The two or three reads a request makes, kept inline: a plan is made
    /// for every request, and an array would cost an allocation each time.
    struct ReadPlan: RandomAccessCollection {
        private let reads: (CacheRead, CacheRead, CacheRead)
        let endIndex: Int
        var startIndex: Int { 0 }

        init(_ a: CacheRead, _ b: CacheRead, _ c: CacheRead? = nil) {
            reads = (a, b, c ?? b)
            endIndex = c == nil ? 2 : 3
        }

        subscript(i: Int) -> CacheRead {
            precondition(i >= 0 && i < endIndex, "read \(i) of a plan of \(endIndex)")
            switch i {
            case 0: return reads.0
            case 1: return reads.1
            default: return reads.2
            }
        }
    }

    /// A refill on its way back from a shard, set in the cache when it lands.
    struct PendingFill: Comparable {
        let at: Int64
        let sequence: Int64
        let key: CacheKey
        let row: Int32
        let ttl: SimDuration
        static func < (a: PendingFill, b: PendingFill) -> Bool { (a.at, a.sequence) < (b.at, b.sequence) }
        static func == (a: PendingFill, b: PendingFill) -> Bool { a.at == b.at && a.sequence == b.sequence }
    }

    /// Sets every refill whose shard answer has landed by now, in time order.
    func landFills() {
        while let first = pendingFills.min, first.at <= nowMicros {
            let f = pendingFills.removeMin()
            cache.set(f.key, value: ledger.balance(f.row), ttl: f.ttl, now: nowMicros)
        }
    }

    /// The reads a request needs, in the order it makes them: the customer's
    /// profile, then what the flow itself reads.
    func cacheReadPlan(for r: Request) -> ReadPlan {
        let wallet = ledger.wallet(customer: r.customer)
        let profile = CacheRead(key: CacheKey(.profile, Int64(r.customer)), row: wallet, ttl: config.profileTTL)
        switch r.workload {
        case .payment:
            return ReadPlan(profile, CacheRead(key: CacheKey(.account, Int64(wallet)), row: wallet, ttl: config.accountTTL),
                            CacheRead(key: CacheKey(.merchant, Int64(r.merchant)), row: ledger.merchant(r.merchant), ttl: config.merchantTTL))
        case .topup:
            return ReadPlan(profile, CacheRead(key: CacheKey(.account, Int64(wallet)), row: wallet, ttl: config.accountTTL))
        case .trade:
            let broker = ledger.broker(customer: r.customer)
            return ReadPlan(profile, CacheRead(key: CacheKey(.account, Int64(broker)), row: broker, ttl: config.accountTTL),
                            CacheRead(key: CacheKey(.quote, Int64(r.symbol)), row: ledger.clearingInventory(symbol: r.symbol, shard: 0), ttl: config.quoteTTL))
        }
    }

    var cacheHitCost: Int64 { 2 * config.networkLatencyMedian.microseconds }

    /// Shard CPU a read of this keyspace costs.
    func shardReadCPU(_ space: CacheKeyspace) -> Int64 {
        Int64((space == .profile || space == .merchant ? shardProfileReadCPU : shardBalanceReadCPU).sample(&diskRNG))
    }

    /// Reads what a request on node `n` needs through the cache, all at
    /// `start`; returns the time the slowest takes after `start`.
    func cacheReads(for r: Request, node n: Int, from start: Int64) -> Int64 {
        landFills()
        var end = start + cacheHitCost
        let plan = cacheReadPlan(for: r)
        var misses = 0
        for read in plan where cache.get(read.key, now: nowMicros) == nil {
            misses += 1
            let (done, failure) = refill(read, node: n, at: start + cacheHitCost)
            end = max(end, done)
            if let failure, r.readFailure == nil { r.readFailure = failure }
        }
        r.trace?.step("cache", "\(plan.count) read\(plan.count == 1 ? "" : "s"): \(plan.count - misses) hit, \(misses) miss\(misses > 0 ? " (shard read, refill)" : "")", from: start, to: end)
        return end - start
    }

    /// A miss at `time`: the shard read that answers it (queued for the
    /// shard's CPU) and the `set` that refills the cache; returns when it is
    /// done. A crashed shard or one over its queue limit refuses the read at
    /// once; a cut-off one fails it after the read timeout.
    func refill(_ read: CacheRead, node n: Int, at time: Int64) -> (done: Int64, failure: AbortReason?) {
        let s = ledger.shard(of: read.row)
        let shard = shards[s]
        let hop = config.networkLatencyMedian.microseconds
        // A crashed shard refuses at once; a cut-off one is noticed only by the read timeout.
        guard shard.up else { return (time + 2 * hop, .shardUnavailable) }
        guard network.delivers(.node(n), .shard(s), at: time, &networkRNG) else {
            return (time + config.shardReadTimeout.microseconds, .shardUnavailable)
        }
        guard shard.cpu.wait(at: time + hop) <= config.shardQueueLimit.microseconds else {
            shard.refused += 1
            return (time + 2 * hop, .shardBusy)
        }
        shard.reads.add()
        let done = shard.cpu.submit(at: time + hop, service: shardReadCPU(read.key.space))
        nextFillSequence += 1
        pendingFills.insert(PendingFill(at: done + hop, sequence: nextFillSequence, key: read.key, row: read.row, ttl: read.ttl))
        return (done + hop, nil)
    }

    /// Holds a request's reads for the next round trip; returns the time
    /// they take if every one hits (they go in parallel). What misses add is known once the round
    /// trip is answered (`resolveCacheReads`).
    func issueCacheReads(for r: Request) -> Int64 {
        let reads = cacheReadPlan(for: r)
        heldCacheReads.append((r, r.nodeToken &+ 1, reads))
        r.cacheReadsHeld = true
        return cacheHitCost
    }

    /// Sends every held read in one pipelined round trip and gives each
    /// request what its misses add. Reads of a request that has since left
    /// its node are still counted: the node did make them.
    func resolveCacheReads() {
        guard !heldCacheReads.isEmpty else { return }
        landFills()
        let batch = heldCacheReads
        heldCacheReads.removeAll(keepingCapacity: true)
        var keys: [CacheKey] = []
        keys.reserveCapacity(batch.count * 3)
        for entry in batch { for read in entry.reads { keys.append(read.key) } }
        let values = cache.getMany(keys, now: nowMicros)
        var i = 0
        for (r, token, reads) in batch {
            var end = nowMicros
            var failure: AbortReason?
            for read in reads {
                if values[i] == nil {
                    let (done, f) = refill(read, node: r.node ?? 0, at: nowMicros)
                    end = max(end, done)
                    failure = failure ?? f
                }
                i += 1
            }
            if r.nodeToken == token {
                r.cacheReadsHeld = false
                r.cacheExtra = end - nowMicros
                r.readFailure = failure
            }
        }
    }

    /// Fills the cache as a platform that has been running would have it:
    /// every merchant's profile, the most popular customers' profiles and
    /// balances, every quote. Least popular first, so the most popular are
    /// the most recently used; expiries spread evenly over each TTL.
    func warmCache() {
        let capacity = config.cacheCapacity
        var entries: [CacheRead] = []
        let profiles = min(config.customers, capacity / 2)
        let balances = min(config.customers, capacity / 4)
        let merchants = min(config.merchants, capacity / 8)
        for c in stride(from: balances - 1, through: 0, by: -1) {
            let wallet = ledger.wallet(customer: c)
            entries.append(CacheRead(key: CacheKey(.account, Int64(wallet)), row: wallet, ttl: config.accountTTL))
        }
        for c in stride(from: profiles - 1, through: 0, by: -1) {
            entries.append(CacheRead(key: CacheKey(.profile, Int64(c)), row: ledger.wallet(customer: c), ttl: config.profileTTL))
        }
        for m in stride(from: merchants - 1, through: 0, by: -1) {
            entries.append(CacheRead(key: CacheKey(.merchant, Int64(m)), row: ledger.merchant(m), ttl: config.merchantTTL))
        }
        for s in 0..<ledger.symbols {
            entries.append(CacheRead(key: CacheKey(.quote, Int64(s)), row: ledger.clearingInventory(symbol: s, shard: 0), ttl: config.quoteTTL))
        }
        for (i, e) in entries.enumerated() {
            // A deterministic spread of expiries over (0, TTL].
            let fraction = Double((i &* 7_919) % 1_000 + 1) / 1_000
            let ttl = SimDuration(microseconds: max(1, Int64(Double(e.ttl.microseconds) * fraction)))
            cache.set(e.key, value: ledger.balance(e.row), ttl: ttl, now: nowMicros)
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
