/// The double-entry ledger's state: one balance per row, the shard that owns
/// each row, and the totals that must never change.
///
/// Row ids are laid out in blocks so that a row's kind is arithmetic, not a
/// lookup: wallets, brokers, merchants, then per-shard contra rows, then
/// holdings (customer × symbol), then per-shard clearing inventory, then
/// per-shard escrow rows (wallet holds, cash awaiting settlement, merchant
/// payouts) and per-shard securities awaiting settlement.
public struct Ledger: Sendable {
    public let customers: Int
    public let merchants: Int
    public let symbols: Int
    public let shardCount: Int

    let walletBase = 0
    let brokerBase: Int
    let merchantBase: Int
    let contraBase: Int
    let holdingBase: Int
    let inventoryBase: Int
    let escrowBase: Int
    let securitiesEscrowBase: Int
    public let rowCount: Int

    /// Balances in minor units (money rows) or shares (holdings rows).
    public internal(set) var balances: [Int64]
    /// Owning shard of every row (0-based).
    let shardOfRow: [UInt8]
    /// The sum of all money rows at the start; it must never change.
    public let initialMoneyTotal: Int64
    /// Per symbol, the shares in existence at the start.
    public let initialHoldingsTotal: [Int64]

    /// Builds a ledger with opening balances drawn from `rng`.
    init(customers: Int, merchants: Int, symbols: Int, shards: Int, rng: inout SeededRandom) {
        precondition(customers > 0 && merchants > 0 && symbols > 0 && shards > 0 && shards <= 255)
        self.customers = customers
        self.merchants = merchants
        self.symbols = symbols
        self.shardCount = shards
        brokerBase = customers
        merchantBase = 2 * customers
        contraBase = merchantBase + merchants
        holdingBase = contraBase + 3 * shards
        inventoryBase = holdingBase + customers * symbols
        escrowBase = inventoryBase + symbols * shards
        securitiesEscrowBase = escrowBase + 3 * shards
        rowCount = securitiesEscrowBase + symbols * shards

        var shardOf = [UInt8](repeating: 0, count: rowCount)
        for row in 0..<rowCount { shardOf[row] = UInt8(Ledger.hash(UInt64(row)) % UInt64(shards)) }
        for s in 0..<shards {
            for k in 0..<3 { shardOf[contraBase + 3 * s + k] = UInt8(s) }
            for sym in 0..<symbols { shardOf[inventoryBase + sym * shards + s] = UInt8(s) }
            for k in 0..<3 { shardOf[escrowBase + 3 * s + k] = UInt8(s) }
            for sym in 0..<symbols { shardOf[securitiesEscrowBase + sym * shards + s] = UInt8(s) }
        }
        shardOfRow = shardOf

        var b = [Int64](repeating: 0, count: rowCount)
        let wallet = LogNormal(median: 20_000, sigma: 1.0)
        let broker = LogNormal(median: 1_000_000, sigma: 1.0)
        for c in 0..<customers {
            b[c] = Int64(wallet.sample(&rng).rounded())
            b[brokerBase + c] = Int64(broker.sample(&rng).rounded())
            for sym in 0..<symbols where rng.chance(0.6) {
                b[holdingBase + c * symbols + sym] = Int64(10 + rng.nextInt(below: 200))
            }
        }
        for m in 0..<merchants { b[merchantBase + m] = Int64(rng.nextInt(below: 1_000_000)) }
        for s in 0..<shards {
            for sym in 0..<symbols { b[inventoryBase + sym * shards + s] = 1_000_000_000 }
        }
        balances = b
        var money: Int64 = 0
        var holdings = [Int64](repeating: 0, count: symbols)
        for row in 0..<rowCount {
            if let sym = Ledger.kindSymbol(row: row, holdingBase: holdingBase, inventoryBase: inventoryBase,
                                           escrowBase: escrowBase, securitiesEscrowBase: securitiesEscrowBase, symbols: symbols, shards: shards) {
                holdings[sym] += b[row]
            } else {
                money += b[row]
            }
        }
        initialMoneyTotal = money
        initialHoldingsTotal = holdings
    }

    /// A 64-bit finaliser (from SplitMix64): spreads consecutive row ids evenly over shards.
    static func hash(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func kindSymbol(row: Int, holdingBase: Int, inventoryBase: Int, escrowBase: Int, securitiesEscrowBase: Int,
                           symbols: Int, shards: Int) -> Int? {
        if row >= securitiesEscrowBase { return (row - securitiesEscrowBase) / shards }
        if row >= escrowBase { return nil }
        if row >= inventoryBase { return (row - inventoryBase) / shards }
        if row >= holdingBase { return (row - holdingBase) % symbols }
        return nil
    }

    // MARK: Row ids

    public func wallet(customer c: Int) -> Int32 { Int32(walletBase + c) }
    public func broker(customer c: Int) -> Int32 { Int32(brokerBase + c) }
    public func merchant(_ m: Int) -> Int32 { Int32(merchantBase + m) }
    public func cardNetwork(shard s: Int) -> Int32 { Int32(contraBase + 3 * s) }
    public func clearingCash(shard s: Int) -> Int32 { Int32(contraBase + 3 * s + 1) }
    public func feeIncome(shard s: Int) -> Int32 { Int32(contraBase + 3 * s + 2) }
    public func holding(customer c: Int, symbol: Int) -> Int32 { Int32(holdingBase + c * symbols + symbol) }
    public func clearingInventory(symbol: Int, shard s: Int) -> Int32 { Int32(inventoryBase + symbol * shardCount + s) }
    /// Money held for authorised payments of the shard's wallets.
    public func holds(shard s: Int) -> Int32 { Int32(escrowBase + 3 * s) }
    /// Brokers' cash reserved for buy orders awaiting settlement.
    public func settlementCash(shard s: Int) -> Int32 { Int32(escrowBase + 3 * s + 1) }
    /// Money paid out to merchants' banks (the outside world).
    public func payouts(shard s: Int) -> Int32 { Int32(escrowBase + 3 * s + 2) }
    /// Shares reserved for sell orders awaiting settlement.
    public func settlementSecurities(symbol: Int, shard s: Int) -> Int32 { Int32(securitiesEscrowBase + symbol * shardCount + s) }

    public func shard(of row: Int32) -> Int { Int(shardOfRow[Int(row)]) }

    func isMerchant(_ row: Int32) -> Bool { Int(row) >= merchantBase && Int(row) < contraBase }

    /// The merchant a merchant row belongs to (0-based).
    func merchantIndex(_ row: Int32) -> Int { Int(row) - merchantBase }

    public func kind(of row: Int32) -> RowKind {
        let r = Int(row)
        if r >= securitiesEscrowBase { return .settlementSecurities(symbol: (r - securitiesEscrowBase) / shardCount) }
        if r >= escrowBase {
            switch (r - escrowBase) % 3 {
            case 0: return .holds
            case 1: return .settlementCash
            default: return .payouts
            }
        }
        if r >= inventoryBase { return .clearingInventory(symbol: (r - inventoryBase) / shardCount) }
        if r >= holdingBase { return .holding(symbol: (r - holdingBase) % symbols) }
        if r >= contraBase {
            switch (r - contraBase) % 3 {
            case 0: return .cardNetwork
            case 1: return .clearingCash
            default: return .feeIncome
            }
        }
        if r >= merchantBase { return .merchant }
        if r >= brokerBase { return .broker }
        return .wallet
    }

    /// The symbol a holdings row counts, or nil for a money row.
    public func symbol(of row: Int32) -> Int? {
        Ledger.kindSymbol(row: Int(row), holdingBase: holdingBase, inventoryBase: inventoryBase, escrowBase: escrowBase,
                          securitiesEscrowBase: securitiesEscrowBase, symbols: symbols, shards: shardCount)
    }

    /// Contra and escrow rows have no lower limit, so their updates
    /// commute: they are applied without a row lock (an escrow-style
    /// increment). Locking them would turn every fee, card credit and hold
    /// into one global hot spot. What an escrow row holds is accounted per
    /// payment or trade in the journal, and reconciliation checks it.
    public func isContra(_ row: Int32) -> Bool {
        let r = Int(row)
        return (r >= contraBase && r < holdingBase) || r >= escrowBase
    }

    /// The lowest balance a row may reach.
    public func limit(of row: Int32) -> Int64 {
        isContra(row) ? Int64.min / 4 : 0
    }

    public func balance(_ row: Int32) -> Int64 { balances[Int(row)] }

    /// Orders a transaction's writes by (shard, row): participants are runs
    /// of one shard, and every attempt locks its rows in the same order.
    /// An insertion sort: a transaction has two to four writes.
    ///
    /// It takes the rows' shards, not the ledger: called on the engine's
    /// ledger property, a method copied the whole ledger (retaining its
    /// arrays) for each call.
    static func sortForCommit(_ writes: inout [RowWrite], shardOf: [UInt8]) {
        func key(_ w: RowWrite) -> Int64 { Int64(shardOf[Int(w.row)]) << 32 | Int64(w.row) }
        for i in writes.indices.dropFirst() {
            let w = writes[i], k = key(w)
            var j = i
            while j > 0 && key(writes[j - 1]) > k {
                writes[j] = writes[j - 1]
                j -= 1
            }
            writes[j] = w
        }
    }

    /// A human name for a row, as violations and logs print it.
    public func describe(_ row: Int32) -> String {
        let r = Int(row)
        switch kind(of: row) {
        case .wallet: return "wallet of customer \(r - walletBase + 1)"
        case .broker: return "broker account of customer \(r - brokerBase + 1)"
        case .merchant: return "merchant \(r - merchantBase + 1)"
        case .cardNetwork, .clearingCash, .feeIncome:
            return "\(kind(of: row).name) on shard-\((r - contraBase) / 3 + 1)"
        case .holding(let sym): return "symbol \(sym + 1) held by customer \((r - holdingBase) / symbols + 1)"
        case .clearingInventory(let sym): return "clearing inventory of symbol \(sym + 1) on shard-\((r - inventoryBase) % shardCount + 1)"
        case .holds, .settlementCash, .payouts:
            return "\(kind(of: row).name) on shard-\((r - escrowBase) / 3 + 1)"
        case .settlementSecurities(let sym): return "symbol \(sym + 1) awaiting settlement on shard-\((r - securitiesEscrowBase) % shardCount + 1)"
        }
    }
}
