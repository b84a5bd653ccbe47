/// A broken ledger invariant, with the transaction that broke it when known.
public struct LedgerViolation: Sendable, Equatable, Codable {
    /// What kind of invariant broke.
    public enum Kind: String, Sendable, Codable {
        /// A transaction committed on some participants and aborted on others.
        case split
        /// The coordinator committed (and told the client) but every participant aborted.
        case decision
        /// A total of money or of a symbol's shares is off.
        case total
        /// A balance went below its limit.
        case limit
    }
    public var kind: Kind
    /// The transaction id, when one transaction is to blame.
    public var txn: Int64?
    public var message: String
    public init(_ kind: Kind, txn: Int64?, message: String) {
        self.kind = kind
        self.txn = txn
        self.message = message
    }
    /// 3PC's known failure under partitions and lost messages: the
    /// transaction did not take the same effect everywhere.
    public var isThreePhaseDivergence: Bool { kind == .split || kind == .decision }
}

extension Simulation {
    /// Runs an audit step and puts each violation it found into the event
    /// log, where an operator sees it at once.
    func audit(_ step: (inout Auditor) -> Void) {
        let before = auditor.violationCount
        step(&auditor)
        let found = auditor.violationCount - before
        guard found > 0 else { return }
        let kept = auditor.violations.dropFirst(Int(min(before, Int64(auditor.violations.count))))
        for v in kept { log(.crit, "auditor: \(v.message)") }
        if Int64(kept.count) < found { log(.crit, "auditor: \(found - Int64(kept.count)) more violation\(found - Int64(kept.count) == 1 ? "" : "s")") }
    }
}

/// Checks the ledger's invariants: cheaply as every transaction settles and
/// fully on demand. It reports and never corrects: a violation stays visible
/// with its transaction id, because hiding it would hide the bug.
struct Auditor {
    /// The first violations, in the order found; bounded so a systematic bug cannot exhaust memory.
    private(set) var violations: [LedgerViolation] = []
    private(set) var violationCount: Int64 = 0
    private(set) var transactionsChecked: Int64 = 0
    private(set) var fullAudits: Int64 = 0
    static let keptViolations = 200

    mutating func report(_ v: LedgerViolation) {
        violationCount += 1
        if violations.count < Auditor.keptViolations { violations.append(v) }
    }

    /// Every participant of `txn` has reached a final state: it must have
    /// taken effect on all of them or on none, and its deltas must net to zero.
    mutating func checkSettled(_ txn: Txn, shardName: (Int) -> String) {
        transactionsChecked += 1
        if txn.committedParts != 0 && txn.committedParts != txn.parts.count {
            let yes = txn.parts.filter { $0.state == .committed }.map { shardName($0.shard) }
            let no = txn.parts.filter { $0.state != .committed }.map { shardName($0.shard) }
            report(LedgerViolation(.split, txn: txn.id, message: "txn \(txn.id) committed on \(yes.joined(separator: ", ")) but aborted on \(no.joined(separator: ", "))"))
        }
        if txn.appliedMoney != 0 {
            report(LedgerViolation(.total, txn: txn.id, message: "txn \(txn.id) changed the money total by \(Money(minorUnits: txn.appliedMoney))"))
        }
        for (sym, d) in txn.appliedShares.enumerated() where d != 0 {
            report(LedgerViolation(.total, txn: txn.id, message: "txn \(txn.id) changed the shares of symbol \(sym + 1) by \(d)"))
        }
    }

    /// The coordinator committed `txn` and told its client so, but every
    /// participant had aborted on its own: nothing moved.
    mutating func checkDecision(_ txn: Txn) {
        if txn.committedParts == 0 {
            report(LedgerViolation(.decision, txn: txn.id, message: "txn \(txn.id) was committed by its coordinator, and its client told so, but every participant aborted"))
        }
    }

    /// A write took a row below its limit (validation under locks should make this impossible).
    mutating func checkLimit(txn: Int64, row: Int32, balance: Int64, ledger: Ledger) {
        if balance < ledger.limit(of: row) {
            report(LedgerViolation(.limit, txn: txn, message: "txn \(txn) took the \(ledger.describe(row)) to \(balance), below its limit"))
        }
    }

    /// Recomputes every total from the balances. `inFlightMoney` and
    /// `inFlightShares` are the deltas of transactions applied on some but
    /// not yet all of their participants, which legitimately offset the totals.
    mutating func fullAudit(ledger: Ledger, inFlightMoney: Int64, inFlightShares: [Int64]) {
        fullAudits += 1
        var money: Int64 = 0
        var shares = [Int64](repeating: 0, count: ledger.symbols)
        for row in 0..<Int32(ledger.rowCount) {
            let b = ledger.balances[Int(row)]
            if let sym = ledger.symbol(of: row) { shares[sym] += b } else { money += b }
            if b < ledger.limit(of: row) {
                report(LedgerViolation(.limit, txn: nil, message: "the \(ledger.describe(row)) is at \(b), below its limit"))
            }
        }
        if money - inFlightMoney != ledger.initialMoneyTotal {
            report(LedgerViolation(.total, txn: nil, message: "money total is \(Money(minorUnits: money - inFlightMoney)), expected \(Money(minorUnits: ledger.initialMoneyTotal))"))
        }
        for sym in 0..<ledger.symbols where shares[sym] - inFlightShares[sym] != ledger.initialHoldingsTotal[sym] {
            report(LedgerViolation(.total, txn: nil, message: "symbol \(sym + 1) has \(shares[sym] - inFlightShares[sym]) shares, expected \(ledger.initialHoldingsTotal[sym])"))
        }
    }
}
