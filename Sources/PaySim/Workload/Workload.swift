/// The three kinds of client request the platform serves.
public enum Workload: Int, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case payment = 0, topup = 1, trade = 2

    /// The name used in flags, commands and reports.
    public var name: String {
        switch self {
        case .payment: "payment"
        case .topup: "topup"
        case .trade: "trade"
        }
    }
    /// The name a person reads on screen.
    public var displayName: String { self == .topup ? "top-up" : name }
    public var description: String { name }

    public init?(name: String) {
        switch name.lowercased() {
        case "payment", "payments": self = .payment
        case "topup", "top-up", "topups": self = .topup
        case "trade", "trades": self = .trade
        default: return nil
        }
    }
}

/// Shares of the base rate per workload, in percent; they sum to 100.
public struct WorkloadMix: Equatable, Sendable, Codable, CustomStringConvertible {
    public var payment: Int
    public var topup: Int
    public var trade: Int

    public init(payment: Int, topup: Int, trade: Int) {
        self.payment = payment; self.topup = topup; self.trade = trade
    }

    public static let `default` = WorkloadMix(payment: 60, topup: 25, trade: 15)

    public subscript(w: Workload) -> Int {
        get { switch w { case .payment: payment; case .topup: topup; case .trade: trade } }
        set { switch w { case .payment: payment = newValue; case .topup: topup = newValue; case .trade: trade = newValue } }
    }

    public var description: String { "payment=\(payment),topup=\(topup),trade=\(trade)" }

    /// Why a mix did not parse; `offset` is the 0-based character index.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String {
            "\(reason) at character \(offset + 1); expected workload=percent pairs summing to 100, like payment=60,topup=25,trade=15"
        }
    }

    /// Reads `payment=60,topup=25,trade=15`. Workloads left out get 0; the
    /// shares must be whole, non-negative and sum to 100.
    public static func parse(_ text: String) throws(ParseError) -> WorkloadMix {
        var mix = WorkloadMix(payment: 0, topup: 0, trade: 0)
        var seen = Set<Workload>()
        var offset = 0
        if text.isEmpty { throw ParseError(offset: 0, reason: "empty mix") }
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2 else { throw ParseError(offset: offset, reason: "expected name=percent, found '\(InputText.shown(part))'") }
            guard let w = Workload(name: String(pieces[0])) else {
                throw ParseError(offset: offset, reason: "unknown workload '\(InputText.shown(pieces[0]))' (valid: payment, topup, trade)")
            }
            if seen.contains(w) { throw ParseError(offset: offset, reason: "workload '\(w.name)' given twice") }
            seen.insert(w)
            guard let v = Int(pieces[1]), v >= 0, v <= 100 else {
                throw ParseError(offset: offset + pieces[0].count + 1, reason: "share '\(InputText.shown(pieces[1]))' is not a whole percent 0...100")
            }
            mix[w] = v
            offset += part.count + 1
        }
        let sum = mix.payment + mix.topup + mix.trade
        guard sum == 100 else { throw ParseError(offset: 0, reason: "shares sum to \(sum), not 100") }
        return mix
    }
}
