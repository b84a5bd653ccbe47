/// A colour as written in a theme: `#rrggbb`.
public struct RGB: Hashable, Sendable, CustomStringConvertible {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }

    /// Reads `#rrggbb` (case-insensitive).
    public init?(hex: String) {
        let s = Array(hex.utf8)
        guard s.count == 7, s[0] == UInt8(ascii: "#") else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var v: [UInt8] = []
        for i in stride(from: 1, to: 7, by: 2) {
            guard let hi = nibble(s[i]), let lo = nibble(s[i + 1]) else { return nil }
            v.append(hi << 4 | lo)
        }
        self.init(v[0], v[1], v[2])
    }

    public var description: String {
        let digits = Array("0123456789abcdef")
        return "#" + [r, g, b].map { String([digits[Int($0 >> 4)], digits[Int($0 & 15)]]) }.joined()
    }
}

/// A colour theme: a colour per role and a low-to-high graph gradient, or
/// monochrome (no colour at all: emphasis by bold and reverse only).
public struct Theme: Sendable, Equatable {
    public var name: String
    public var description: String
    public var colors: [ThemeRole: RGB]
    public var graph: [RGB]
    /// Nil uses the terminal's own background.
    public var background: RGB?
    public var monochrome: Bool
    /// Where it was loaded from.
    public var source: String

    /// The colourless theme `NO_COLOR` asks for; also the fallback when no
    /// theme file can be found.
    public static let monochromeBuiltIn = Theme(name: "monochrome", description: "no colour: bold and reverse for emphasis",
                                                colors: [:], graph: [], background: nil, monochrome: true, source: "built in")

    /// The colour of a role; graph steps beyond the gradient clamp to its ends.
    public func color(_ role: ThemeRole) -> RGB? {
        if case .graph(let k) = role {
            guard !graph.isEmpty else { return nil }
            return graph[min(max(0, k), graph.count - 1)]
        }
        return colors[role]
    }

    /// The graph role for a value in 0...1.
    public func graphRole(_ fraction: Double) -> ThemeRole {
        let steps = max(1, graph.count)
        return .graph(min(steps - 1, max(0, Int(fraction * Double(steps)))))
    }
}
