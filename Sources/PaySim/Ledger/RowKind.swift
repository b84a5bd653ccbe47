/// What a ledger row holds. Every balance in the system is one row; a
/// transfer is a set of row writes whose money deltas sum to zero and whose
/// holdings deltas sum to zero per symbol.
public enum RowKind: Sendable, Equatable {
    /// A customer's stored-value wallet: pays merchants, receives top-ups.
    case wallet
    /// A customer's cash at the broker: pays for and receives trades.
    case broker
    case merchant
    /// Contra account for money that comes in from cards (one sub-account per shard).
    case cardNetwork
    /// The clearing house's cash (one sub-account per shard).
    case clearingCash
    /// Fees the platform earned (one sub-account per shard).
    case feeIncome
    /// A customer's holdings of one symbol, in shares.
    case holding(symbol: Int)
    /// The clearing house's inventory of one symbol (per shard).
    case clearingInventory(symbol: Int)
    /// Escrow: money held by authorised, uncaptured payments (per shard).
    case holds
    /// Escrow: brokers' cash reserved by buy orders awaiting settlement (per shard).
    case settlementCash
    /// Money paid out to merchants' banks (per shard): the outside world.
    case payouts
    /// Escrow: shares reserved by sell orders awaiting settlement (per shard).
    case settlementSecurities(symbol: Int)

    /// Contra accounts stand for the outside world: they may go negative.
    public var isContra: Bool {
        switch self {
        case .cardNetwork, .clearingCash, .feeIncome, .holds, .settlementCash, .payouts, .settlementSecurities: true
        default: false
        }
    }

    /// Nil for money rows; the symbol for holdings rows.
    public var symbol: Int? {
        switch self {
        case .holding(let s), .clearingInventory(let s), .settlementSecurities(let s): s
        default: nil
        }
    }

    public var name: String {
        switch self {
        case .wallet: "wallet"
        case .broker: "broker"
        case .merchant: "merchant"
        case .cardNetwork: "card-network"
        case .clearingCash: "clearing"
        case .feeIncome: "fee-income"
        case .holding(let s): "holding:\(s)"
        case .clearingInventory(let s): "clearing-inventory:\(s)"
        case .holds: "holds"
        case .settlementCash: "settlement-cash"
        case .payouts: "payouts"
        case .settlementSecurities(let s): "settlement-securities:\(s)"
        }
    }
}
