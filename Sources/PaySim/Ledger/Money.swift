/// An amount of money in minor units (cents). Integer arithmetic only:
/// a ledger that must balance to the cent has no place for floating point.
public struct Money: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var minorUnits: Int64
    @inlinable public init(minorUnits: Int64) { self.minorUnits = minorUnits }
    public static let zero = Money(minorUnits: 0)
    @inlinable public static func < (a: Money, b: Money) -> Bool { a.minorUnits < b.minorUnits }
    @inlinable public static func + (a: Money, b: Money) -> Money { Money(minorUnits: a.minorUnits + b.minorUnits) }
    @inlinable public static func - (a: Money, b: Money) -> Money { Money(minorUnits: a.minorUnits - b.minorUnits) }
    @inlinable public static prefix func - (a: Money) -> Money { Money(minorUnits: -a.minorUnits) }

    /// `1,234.56` with a leading minus for negatives.
    public var description: String {
        let neg = minorUnits < 0
        let m = minorUnits.magnitude
        let units = m / 100, cents = m % 100
        return (neg ? "-" : "") + Money.grouped(units) + "." + (cents < 10 ? "0" : "") + String(cents)
    }

    /// Thousands separated by commas: 1,234,567.
    public static func grouped(_ v: Int64) -> String {
        (v < 0 ? "-" : "") + grouped(v.magnitude)
    }

    static func grouped(_ v: UInt64) -> String {
        let s = String(v)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }
}
