/// A point in simulated time, in microseconds since the start of the run.
///
/// Simulated time never reads the wall clock: it only moves when the
/// simulation processes events, which is what makes runs reproducible.
public struct SimTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var microseconds: Int64

    @inlinable public init(microseconds: Int64) { self.microseconds = microseconds }

    public static let zero = SimTime(microseconds: 0)

    @inlinable public static func < (a: SimTime, b: SimTime) -> Bool { a.microseconds < b.microseconds }
    @inlinable public static func + (t: SimTime, d: SimDuration) -> SimTime {
        SimTime(microseconds: t.microseconds &+ d.microseconds)
    }
    @inlinable public static func - (a: SimTime, b: SimTime) -> SimDuration {
        SimDuration(microseconds: a.microseconds - b.microseconds)
    }
    @inlinable public static func += (t: inout SimTime, d: SimDuration) { t = t + d }

    public var seconds: Double { Double(microseconds) / 1_000_000 }

    /// `HH:MM:SS` of simulated time, as the console header and event log print it.
    public var clockText: String {
        let total = microseconds / 1_000_000
        let h = total / 3600, m = (total / 60) % 60, s = total % 60
        return "\(h < 10 ? "0" : "")\(h):\(m < 10 ? "0" : "")\(m):\(s < 10 ? "0" : "")\(s)"
    }

    public var description: String { clockText }
}

/// A length of simulated time in microseconds.
public struct SimDuration: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var microseconds: Int64

    @inlinable public init(microseconds: Int64) { self.microseconds = microseconds }

    public static let zero = SimDuration(microseconds: 0)
    @inlinable public static func microseconds(_ v: Int64) -> SimDuration { SimDuration(microseconds: v) }
    @inlinable public static func milliseconds(_ v: Int64) -> SimDuration { SimDuration(microseconds: v * 1_000) }
    @inlinable public static func seconds(_ v: Int64) -> SimDuration { SimDuration(microseconds: v * 1_000_000) }
    @inlinable public static func minutes(_ v: Int64) -> SimDuration { SimDuration(microseconds: v * 60_000_000) }
    /// Rounds a non-negative number of seconds to the microsecond.
    @inlinable public static func fromSeconds(_ v: Double) -> SimDuration {
        SimDuration(microseconds: Int64((v * 1_000_000).rounded()))
    }

    @inlinable public static func < (a: SimDuration, b: SimDuration) -> Bool { a.microseconds < b.microseconds }
    @inlinable public static func + (a: SimDuration, b: SimDuration) -> SimDuration {
        SimDuration(microseconds: a.microseconds + b.microseconds)
    }
    @inlinable public static func * (a: SimDuration, k: Int64) -> SimDuration {
        SimDuration(microseconds: a.microseconds * k)
    }

    public var seconds: Double { Double(microseconds) / 1_000_000 }
    public var milliseconds: Double { Double(microseconds) / 1_000 }

    /// The canonical text form, the one `parse` reads back: `1m30s`, `500ms`, `0s`.
    public var description: String {
        if microseconds == 0 { return "0s" }
        var rest = microseconds
        var out = rest < 0 ? "-" : ""
        rest = abs(rest)
        let units: [(Int64, String)] = [(3_600_000_000, "h"), (60_000_000, "m"), (1_000_000, "s"), (1_000, "ms"), (1, "us")]
        for (size, name) in units where rest >= size {
            out += "\(rest / size)\(name)"
            rest %= size
        }
        return out
    }
}

/// Why a duration did not parse; `offset` is the 0-based character index of the problem.
public struct DurationParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var text: String
    public var offset: Int
    public var reason: String
    public var description: String {
        "\(reason) in duration '\(InputText.shown(text))' at character \(offset + 1); expected a duration like 500ms, 30s, 10m, 1h or 1m30s"
    }
}

extension SimDuration {
    /// Reads `500ms`, `30s`, `10m`, `1h`, `250us` and sums of them in decreasing
    /// unit order (`1h2m`, `1m30s`). Whole numbers only, which keeps every
    /// written duration exact in microseconds. Units are read in any case
    /// (`10S`, `1M30S`), the same for flags, commands and scenario files.
    public static func parse(_ text: String) throws(DurationParseError) -> SimDuration {
        let chars = Array(text.unicodeScalars)
        if chars.isEmpty { throw DurationParseError(text: text, offset: 0, reason: "empty value") }
        let order: [String: Int] = ["h": 0, "m": 1, "s": 2, "ms": 3, "us": 4]
        let scale: [String: Int64] = ["h": 3_600_000_000, "m": 60_000_000, "s": 1_000_000, "ms": 1_000, "us": 1]
        var i = 0
        var total: Int64 = 0
        var lastRank = -1
        while i < chars.count {
            let numberStart = i
            var value: Int64 = 0
            while i < chars.count, let d = chars[i].properties.numericType != nil ? Int64(String(chars[i])) : nil {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(d)
                if o1 || o2 { throw DurationParseError(text: text, offset: numberStart, reason: "number too large") }
                value = a
                i += 1
            }
            if i == numberStart {
                throw DurationParseError(text: text, offset: i, reason: "expected a whole number, found '\(InputText.shown(String(chars[i])))'")
            }
            let unitStart = i
            var unit = ""
            while i < chars.count, chars[i].properties.isAlphabetic {
                unit.unicodeScalars.append(chars[i])
                i += 1
            }
            unit = unit.lowercased()
            guard let rank = order[unit], let factor = scale[unit] else {
                let found = unit.isEmpty ? (i < chars.count ? "'\(InputText.shown(String(chars[i])))'" : "end of text") : "'\(InputText.shown(unit))'"
                throw DurationParseError(text: text, offset: unitStart, reason: "expected a unit (h, m, s, ms, us), found \(found)")
            }
            if rank <= lastRank {
                throw DurationParseError(text: text, offset: unitStart, reason: "unit '\(unit)' out of order")
            }
            lastRank = rank
            let (part, o1) = value.multipliedReportingOverflow(by: factor)
            let (sum, o2) = total.addingReportingOverflow(part)
            if o1 || o2 { throw DurationParseError(text: text, offset: numberStart, reason: "duration too long") }
            total = sum
        }
        return SimDuration(microseconds: total)
    }
}

extension Duration {
    /// The duration in seconds, for wall-clock rates.
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
