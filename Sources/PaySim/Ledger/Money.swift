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
        // Written from the right into a buffer on the stack (at most 20
        // digits and 6 commas); a short result is a small string, no heap.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 26) { out in
            var i = 26, n = v, digits = 0
            repeat {
                if digits > 0 && digits % 3 == 0 {
                    i -= 1
                    out[i] = UInt8(ascii: ",")
                }
                i -= 1
                out[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                digits += 1
            } while n > 0
            return String(decoding: UnsafeBufferPointer(rebasing: out[i...]), as: UTF8.self)
        }
    }
}
