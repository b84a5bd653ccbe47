import PaySim

/// Number formatting for narrow columns: every figure fits its column.
enum Format {
    /// 1,234 / 12.3k / 1.2M.
    static func count(_ v: Double) -> String {
        let a = abs(v)
        if a >= 9_999_500 { return trim(v / 1_000_000, 1) + "M" }
        if a >= 99_950 { return String(Int((v / 1_000).rounded())) + "k" }
        if a >= 10_000 { return trim(v / 1_000, 1) + "k" }
        return Money.grouped(Int64(v.rounded()))
    }

    static func count(_ v: Int64) -> String { count(Double(v)) }

    /// Memory in binary units: 512B, 12.5K, 3.1M, 2.0G.
    static func bytes(_ v: Int64) -> String {
        let units = ["B", "K", "M", "G", "T"]
        var x = Double(v), u = 0
        while x >= 1_024 && u < units.count - 1 { x /= 1_024; u += 1 }
        return u == 0 ? "\(v)B" : trim(x, x < 100 ? 1 : 0) + units[u]
    }

    /// A share as a percentage: 99.1%, or with `decimals: 0`, 42%.
    static func percent(_ fraction: Double, decimals: Int = 1) -> String {
        guard fraction.isFinite else { return "–" }
        return trim(fraction * 100, decimals) + "%"
    }

    /// Slots in use of capacity and the queue behind them, `32/32+128`,
    /// shortened (`32/32+1.2k`, then `32+1.2k`) rather than ever cut; the
    /// last form needs at most 11 columns.
    static func slots(inUse: Int, capacity: Int, queued: Int, width: Int) -> String {
        let q = queued > 0 ? "+" + count(Double(queued)) : ""
        let full = "\(inUse)/\(capacity)" + (queued > 0 ? "+\(queued)" : "")
        if full.count <= width { return full }
        let short = "\(count(Double(inUse)))/\(count(Double(capacity)))" + q
        if short.count <= width { return short }
        return count(Double(inUse)) + q
    }

    /// Milliseconds: 0.42ms, 4.1ms, 31ms, 1.2s, 12s.
    static func milliseconds(_ v: Double?) -> String {
        guard let v else { return "–" }
        if v >= 10_000 { return String(Int((v / 1_000).rounded())) + "s" }
        if v >= 1_000 { return trim(v / 1_000, 1) + "s" }
        if v >= 10 { return String(Int(v.rounded())) + "ms" }
        if v >= 1 { return trim(v, 1) + "ms" }
        return trim(v, 2) + "ms"
    }

    static func duration(_ d: SimDuration) -> String {
        let s = max(0, (d.microseconds + 999_999) / 1_000_000)
        return s >= 60 ? "\(s / 60)m\(s % 60 < 10 ? "0" : "")\(s % 60)s" : "\(s)s"
    }

    /// A fixed number of decimals, without Foundation.
    static func trim(_ v: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let n = Int64((v * scale).rounded())
        // Digits written from the right: the decimals (zero-padded), the
        // point, the whole part, the sign.
        let capacity = 22 + decimals
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { out in
            var i = capacity, m = n.magnitude
            for _ in 0..<decimals {
                i -= 1
                out[i] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
            }
            if decimals > 0 {
                i -= 1
                out[i] = UInt8(ascii: ".")
            }
            repeat {
                i -= 1
                out[i] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
            } while m > 0
            if n < 0 {
                i -= 1
                out[i] = UInt8(ascii: "-")
            }
            return String(decoding: UnsafeBufferPointer(rebasing: out[i...]), as: UTF8.self)
        }
    }

    /// A factor as an operator types it: 5, 2.5.
    static func factor(_ v: Double) -> String { v == v.rounded() ? trim(v, 0) : trim(v, 2).trimmingTrailingZeros }

    static func speed(_ v: Double) -> String { v >= 1 && v == v.rounded() ? trim(v, 0) : trim(v, v < 1 ? 2 : 1) }
}

/// Small graphical widgets drawn from characters.
enum Widgets {
    /// The newest `width` values as a sparkline scaled to their own maximum
    /// (or `ceiling`), each cell coloured by its level.
    static func sparkline(_ canvas: inout Canvas, _ values: [Double], x: Int, y: Int, width: Int,
                          glyphs: Glyphs, theme: Theme, ceiling: Double? = nil) {
        guard width > 0 else { return }
        let shown = values.suffix(width)
        let top = ceiling ?? max(shown.max() ?? 0, 1e-9)
        var col = x + (width - shown.count)
        for v in shown {
            let f = top > 0 ? min(1, max(0, v / top)) : 0
            let level = v <= 0 ? 0 : min(glyphs.levels.count - 1, Int(f * Double(glyphs.levels.count - 1) + 0.5))
            canvas.repeatCell(Cell(character: glyphs.levels[level], style: Style(theme.graphRole(f))), x: col, y: y, count: 1)
            col += 1
        }
    }

    /// A horizontal bar: filled share in the graph colour for its level.
    static func bar(_ canvas: inout Canvas, fraction: Double, x: Int, y: Int, width: Int, glyphs: Glyphs, theme: Theme,
                    role: ThemeRole? = nil) {
        guard width > 0 else { return }
        let f = fraction.isFinite ? min(1, max(0, fraction)) : 0
        let filled = Int((f * Double(width)).rounded())
        canvas.repeatCell(Cell(character: glyphs.barFull, style: Style(role ?? theme.graphRole(f))), x: x, y: y, count: filled)
        canvas.repeatCell(Cell(character: glyphs.barEmpty, style: Style(.dim)), x: x + filled, y: y, count: width - filled)
    }
}

extension String {
    var trimmingTrailingZeros: String {
        guard contains(".") else { return self }
        var s = self
        while s.last == "0" { s.removeLast() }
        if s.last == "." { s.removeLast() }
        return s
    }
}
