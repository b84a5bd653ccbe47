/// A table whose columns come and go with the width available: each column
/// has a priority, the most important ones are kept, and the kept ones are
/// shown in their natural order. One column may be flexible and take what
/// is left (a sparkline, say).
struct Table {
    enum Align { case left, right }
    struct Column {
        var title: String
        var width: Int
        var align: Align = .right
        /// Lower is more important.
        var priority: Int
        var flexible = false
    }
    /// A cell: text and style, or a custom drawing into its rectangle.
    enum Content {
        case text(String, Style)
        case draw((inout Canvas, Int, Int, Int) -> Void)
    }

    var columns: [Column] { didSet { laidOut = LaidOut() } }
    /// The last layout, by width: a panel draws its header and every row
    /// at one width, and works it out once.
    private final class LaidOut {
        var width = -1
        var columns: [(index: Int, x: Int, width: Int)] = []
    }
    private var laidOut = LaidOut()

    init(columns: [Column]) { self.columns = columns }

    /// The columns that fit `width`, with their x offsets and widths.
    func layout(width: Int) -> [(index: Int, x: Int, width: Int)] {
        if laidOut.width == width { return laidOut.columns }
        let out = computeLayout(width: width)
        laidOut.width = width
        laidOut.columns = out
        return out
    }

    private func computeLayout(width: Int) -> [(index: Int, x: Int, width: Int)] {
        let (chosen, used) = Table.keep(count: columns.count, width: { columns[$0].width }, priority: { columns[$0].priority },
                                        separator: 1, budget: width)
        var out: [(index: Int, x: Int, width: Int)] = []
        out.reserveCapacity(columns.count)
        var x = 0
        let spare = width - used
        for i in columns.indices where chosen[i] {
            let w = columns[i].width + (columns[i].flexible ? spare : 0)
            out.append((i, x, w))
            x += w + 1
        }
        return out
    }

    /// Which of `count` items fit in `budget`, the most important first
    /// (lowest priority; ties in their order), each after the first
    /// costing `separator` more; and the width the kept ones use. Table
    /// columns and the header's segments are chosen this way.
    static func keep(count: Int, width: (Int) -> Int, priority: (Int) -> Int, separator: Int, budget: Int) -> (kept: [Bool], used: Int) {
        var kept = [Bool](repeating: false, count: count)
        var used = 0, any = false
        for i in (0..<count).sorted(by: { (priority($0), $0) < (priority($1), $1) }) {
            let need = width(i) + (any ? separator : 0)
            if used + need <= budget {
                kept[i] = true
                any = true
                used += need
            }
        }
        return (kept, used)
    }

    func drawHeader(_ canvas: inout Canvas, x: Int, y: Int, width: Int) {
        for (i, cx, w) in layout(width: width) {
            let title = String(columns[i].title.prefix(w))
            let tx = columns[i].align == .right ? x + cx + w - Canvas.width(of: title) : x + cx
            canvas.put(title, x: tx, y: y, style: Style(.dim, bold: true))
        }
    }

    func drawRow(_ canvas: inout Canvas, _ cells: [Content], x: Int, y: Int, width: Int) {
        for (i, cx, w) in layout(width: width) where i < cells.count {
            switch cells[i] {
            case let .text(text, style):
                let t = Table.fit(text, width: w)
                let tx = columns[i].align == .right ? x + cx + w - Canvas.width(of: t) : x + cx
                canvas.put(t, x: tx, y: y, style: style)
            case .draw(let f):
                f(&canvas, x + cx, y, w)
            }
        }
    }

    /// A cell's text in `width` columns. Text that fits is shown whole.
    /// A number that does not (digits with grouping commas or a decimal
    /// point, then a unit such as `ms`, `%`, `/s`, `k`) is never cut: it
    /// loses decimals, then is abbreviated (`12,345` → `12.3k` → `12k`),
    /// and if even that does not fit the cell shows `#`s, as a spreadsheet
    /// does, rather than a wrong number. Other text is cut with `…`.
    static func fit(_ text: String, width: Int) -> String {
        guard Canvas.width(of: text) > width else { return text }
        guard width > 0 else { return "" }
        guard let (value, unit) = number(text), abs(value) < 1e15 else {
            if number(text) != nil { return String(repeating: "#", count: width) }
            return width == 1 ? "…" : String(text.prefix(width - 1)) + "…"
        }
        // Shorter forms, each kept only if within 5% of the value.
        var candidates: [(text: String, value: Double)] = []
        for decimals in stride(from: 2, through: 0, by: -1) {
            let t = Format.trim(value, decimals)
            candidates.append((t + unit, Double(t) ?? .nan))
        }
        let magnitude = abs(value)
        for (scale, letter) in [(1e9, "G"), (1e6, "M"), (1e3, "k")] where magnitude >= scale && !unit.hasPrefix("k") && !unit.hasPrefix("M") {
            for decimals in [1, 0] {
                let t = Format.trim(value / scale, decimals)
                candidates.append((t + letter + unit, (Double(t) ?? .nan) * scale))
            }
            break
        }
        let close = candidates.first { $0.text.count <= width && abs($0.value - value) <= abs(value) * 0.05 }
        return close?.text ?? String(repeating: "#", count: width)
    }

    /// A number at the start of `text` (sign, digits, grouping commas, one
    /// decimal point) and the unit after it; nil when the text is not one.
    static func number(_ text: String) -> (Double, String)? {
        var digits = ""
        var rest = Substring(text)
        if rest.first == "-" { digits.append("-"); rest = rest.dropFirst() }
        var seenDigit = false, seenPoint = false
        while let c = rest.first {
            if c.isASCII && c.isNumber { digits.append(c); seenDigit = true } else if c == "," && seenDigit && !seenPoint {
                // grouping
            } else if c == "." && seenDigit && !seenPoint { digits.append(c); seenPoint = true } else { break }
            rest = rest.dropFirst()
        }
        guard seenDigit, let v = Double(digits), v.isFinite else { return nil }
        let unit = String(rest)
        // A unit is letters, %, / and µ, short: "ms", "%", "/s", "k/s". Anything else is not one number.
        guard unit.count <= 4, unit.allSatisfy({ $0.isLetter || $0 == "%" || $0 == "/" }) else { return nil }
        return (v, unit)
    }
}

