/// A colour role of the theme: panels say what a thing is, the theme says
/// how it looks. `graph(k)` is step k of the low-to-high graph gradient.
public enum ThemeRole: Hashable, Sendable {
    case text, dim, accent, ok, warn, critical, border, title, selection
    case graph(Int)

    /// The roles a theme file names, in the order `payops themes` shows them.
    public static let named: [(key: String, role: ThemeRole)] = [
        ("text", .text), ("dim", .dim), ("accent", .accent), ("ok", .ok), ("warn", .warn),
        ("critical", .critical), ("border", .border), ("title", .title), ("selection", .selection),
    ]
}

/// How one cell is drawn: a role plus the emphasis that survives without colour.
///
/// Stored as one 32-bit word (role, background role, three flags), so that
/// a cell is eight bytes of plain data: a frame's canvas is filled, copied
/// and compared as memory, not value by value.
public struct Style: Hashable, Sendable {
    @usableFromInline var bits: UInt32

    /// A role in a byte: the named roles in their order, `graph(k)` from 16.
    @inlinable static func code(_ role: ThemeRole) -> UInt32 {
        switch role {
        case .text: 0
        case .dim: 1
        case .accent: 2
        case .ok: 3
        case .warn: 4
        case .critical: 5
        case .border: 6
        case .title: 7
        case .selection: 8
        case .graph(let k): 16 + UInt32(min(max(k, 0), 238))
        }
    }

    @inlinable static func role(_ code: UInt32) -> ThemeRole {
        switch code {
        case 0: .text
        case 1: .dim
        case 2: .accent
        case 3: .ok
        case 4: .warn
        case 5: .critical
        case 6: .border
        case 7: .title
        case 8: .selection
        default: .graph(Int(code) - 16)
        }
    }

    @usableFromInline static let noBackground: UInt32 = 0xFF

    public var role: ThemeRole {
        get { Style.role(bits & 0xFF) }
        set { bits = bits & ~0xFF | Style.code(newValue) }
    }
    /// A background role (the selection bar); monochrome shows it reversed.
    public var background: ThemeRole? {
        get { let c = (bits >> 8) & 0xFF; return c == Style.noBackground ? nil : Style.role(c) }
        set { bits = bits & ~0xFF00 | (newValue.map(Style.code) ?? Style.noBackground) << 8 }
    }
    public var bold: Bool {
        get { bits & 1 << 16 != 0 }
        set { bits = newValue ? bits | 1 << 16 : bits & ~(1 << 16) }
    }
    public var reverse: Bool {
        get { bits & 1 << 17 != 0 }
        set { bits = newValue ? bits | 1 << 17 : bits & ~(1 << 17) }
    }
    public var underline: Bool {
        get { bits & 1 << 18 != 0 }
        set { bits = newValue ? bits | 1 << 18 : bits & ~(1 << 18) }
    }

    @inlinable public init(_ role: ThemeRole = .text, bold: Bool = false, reverse: Bool = false, underline: Bool = false,
                           background: ThemeRole? = nil) {
        bits = Style.code(role) | (background.map(Style.code) ?? Style.noBackground) << 8
            | (bold ? 1 << 16 : 0) | (reverse ? 1 << 17 : 0) | (underline ? 1 << 18 : 0)
    }

    public static let plain = Style()
}

/// One character cell: a Unicode scalar and its style, eight bytes.
///
/// Every glyph the console draws is one scalar and one column wide; text
/// from elsewhere (an event naming what an operator typed) keeps the first
/// scalar of each character, so a letter with a combining mark shows as
/// the letter.
public struct Cell: Equatable, Sendable {
    public var scalar: UInt32
    public var style: Style

    @inlinable public init(scalar: UInt32, style: Style) {
        self.scalar = scalar
        self.style = style
    }

    public init(character: Character, style: Style) {
        self.init(scalar: character.unicodeScalars.first!.value, style: style)
    }

    public var character: Character {
        get { Character(Unicode.Scalar(scalar) ?? "?") }
        set { scalar = newValue.unicodeScalars.first!.value }
    }

    public static let blank = Cell(scalar: 32, style: .plain)
}

/// A rectangle of cells, origin top-left.
public struct Rect: Equatable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height)
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    /// The rectangle less a one-cell border.
    public var inner: Rect { Rect(x: x + 1, y: y + 1, width: width - 2, height: height - 2) }
}

/// The screen as a grid of cells. Everything is drawn here first, so any
/// screen renders to text without a terminal (that is what the snapshot
/// tests compare) and the terminal backend only sends what changed.
///
/// Every glyph the console uses is one column wide, so one `Character` is
/// one cell. Drawing outside the grid is clipped, never a crash.
public struct Canvas: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = [Cell](repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes `text` from (x, y), clipped to the canvas and to `maxWidth`.
    /// Returns the column after the last cell written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, maxWidth: Int = .max) -> Int {
        guard y >= 0 && y < height else { return x }
        let limit = min(width, maxWidth == .max ? width : x + maxWidth)
        let row = y * width
        var text = text
        return cells.withUnsafeMutableBufferPointer { cells in
            var col = x
            // ASCII (most of what is drawn): a byte a cell, without grapheme
            // breaking, in one pass over the bytes; the first byte beyond
            // ASCII sends the whole text the long way.
            let ascii = text.withUTF8 { bytes -> Bool in
                for b in bytes {
                    guard b < 0x80 else { return false }
                    if col >= limit { break }
                    if col >= 0 { cells[row + col] = Cell(scalar: UInt32(b), style: style) }
                    col += 1
                }
                return true
            }
            if ascii { return col }
            // A cell a character, keeping its first scalar: marks that extend
            // a character (a combining accent, a variation selector) and what a
            // zero-width joiner joins add no cell. Cheaper than grapheme breaking.
            col = x
            var joined = false
            for scalar in text.unicodeScalars where Canvas.startsCell(scalar, joined: &joined) {
                if col >= limit { break }
                if col >= 0 { cells[row + col] = Cell(scalar: scalar.value, style: style) }
                col += 1
            }
            return col
        }
    }

    /// Whether a scalar may extend the character before it (a combining
    /// mark, a variation selector, a zero-width joiner). Arrows, box
    /// drawing, blocks, shapes, symbols and braille (U+2100 to U+2CEE,
    /// most of what the panels draw beyond ASCII) never do, and skip the
    /// Unicode property lookup.
    @inline(__always) static func mayExtend(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value >= 0x2100 && scalar.value < 0x2CEF { return false }
        return scalar.value == 0x200D || scalar.properties.isGraphemeExtend
    }

    /// Whether `scalar` takes a cell of its own, for text walked a scalar
    /// at a time; `joined` carries whether the one before was a joiner.
    @inline(__always) static func startsCell(_ scalar: Unicode.Scalar, joined: inout Bool) -> Bool {
        guard scalar.value >= 0x300 && (mayExtend(scalar) || joined) else { return true }
        joined = scalar.value == 0x200D
        return false
    }

    /// The cells `put` gives `text`: a byte each for ASCII, else a cell
    /// per scalar that does not extend the one before.
    public static func width(of text: String) -> Int {
        var text = text
        if text.withUTF8({ bytes in bytes.allSatisfy { $0 < 0x80 } }) { return text.utf8.count }
        var cells = 0, joined = false
        for scalar in text.unicodeScalars where startsCell(scalar, joined: &joined) { cells += 1 }
        return cells
    }

    /// Writes `text` right-aligned so that it ends just before column `right`.
    public mutating func putRight(_ text: String, right: Int, y: Int, style: Style = .plain) {
        put(text, x: right - Canvas.width(of: text), y: y, style: style)
    }

    /// Writes `cell` `count` times from (x, y) along the row, clipped to the canvas.
    public mutating func repeatCell(_ cell: Cell, x: Int, y: Int, count: Int) {
        guard y >= 0 && y < height, count > 0 else { return }
        let from = max(0, x), to = min(width, x + count)
        guard from < to else { return }
        let row = y * width
        cells.withUnsafeMutableBufferPointer { cells in
            for xx in from..<to { cells[row + xx] = cell }
        }
    }

    public mutating func fill(_ rect: Rect, _ ch: Character = " ", style: Style = .plain) {
        let cell = Cell(character: ch, style: style)
        for yy in max(0, rect.y)..<min(height, rect.maxY) {
            for xx in max(0, rect.x)..<min(width, rect.maxX) { self[xx, yy] = cell }
        }
    }

    /// The cells of `rect` (which must lie inside the canvas), row by row.
    public func copy(_ rect: Rect) -> [Cell] {
        var out: [Cell] = []
        out.reserveCapacity(rect.width * rect.height)
        for yy in rect.y..<rect.maxY { out.append(contentsOf: cells[(yy * width + rect.x)..<(yy * width + rect.maxX)]) }
        return out
    }

    /// Puts back cells taken by `copy` from a rectangle of the same size.
    public mutating func paste(_ block: [Cell], into rect: Rect) {
        precondition(block.count == rect.width * rect.height, "a pasted block must fill its rectangle")
        cells.withUnsafeMutableBufferPointer { dst in
            block.withUnsafeBufferPointer { src in
                for (i, yy) in (rect.y..<rect.maxY).enumerated() {
                    (dst.baseAddress! + yy * width + rect.x).update(from: src.baseAddress! + i * rect.width, count: rect.width)
                }
            }
        }
    }

    /// Changes the style of cells already drawn (a selection bar, say).
    public mutating func restyle(_ rect: Rect, _ change: (inout Style) -> Void) {
        for yy in max(0, rect.y)..<min(height, rect.maxY) {
            for xx in max(0, rect.x)..<min(width, rect.maxX) { change(&self[xx, yy].style) }
        }
    }

    /// A box with a title in its top edge, like `┌ Nodes ──┐`.
    public mutating func box(_ rect: Rect, title: String, glyphs: Glyphs, titleStyle: Style = Style(.title, bold: true)) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let border = Style(.border)
        let g = glyphs
        // Cell by cell, each glyph's cell made once: building strings of
        // box glyphs to put them costs more than the frame's text.
        let (width, height) = (self.width, self.height)
        cells.withUnsafeMutableBufferPointer { cells in
            func set(_ cell: Cell, _ x: Int, _ y: Int) {
                if x >= 0 && x < width && y >= 0 && y < height { cells[y * width + x] = cell }
            }
            set(Cell(character: g.topLeft, style: border), rect.x, rect.y)
            set(Cell(character: g.topRight, style: border), rect.maxX - 1, rect.y)
            set(Cell(character: g.bottomLeft, style: border), rect.x, rect.maxY - 1)
            set(Cell(character: g.bottomRight, style: border), rect.maxX - 1, rect.maxY - 1)
            let horizontal = Cell(character: g.horizontal, style: border), vertical = Cell(character: g.vertical, style: border)
            for xx in (rect.x + 1)..<(rect.maxX - 1) {
                set(horizontal, xx, rect.y)
                set(horizontal, xx, rect.maxY - 1)
            }
            for yy in (rect.y + 1)..<(rect.maxY - 1) {
                set(vertical, rect.x, yy)
                set(vertical, rect.maxX - 1, yy)
            }
        }
        if rect.width > 4 {
            put(" \(title) ", x: rect.x + 1, y: rect.y, style: titleStyle, maxWidth: rect.width - 2)
        }
    }

    /// Replaces every non-ASCII character (from any source: glyphs, figures,
    /// event messages) with a readable ASCII one, for terminals whose locale
    /// is not UTF-8.
    public mutating func transliterateToASCII() {
        for i in cells.indices where cells[i].scalar >= 0x80 {
            cells[i].character = Canvas.asciiFor[cells[i].character] ?? "?"
        }
    }

    static let asciiFor: [Character: Character] = [
        "×": "x", "–": "-", "—": "-", "…": "~", "→": ">", "✓": "+", "✗": "x", "✖": "x", "●": "o", "◐": "~",
        "↻": "^", "▸": ">", "│": "|", "─": "-", "┌": "+", "┐": "+", "└": "+", "┘": "+", "█": "#", "░": ".",
        "▁": "_", "▂": ".", "▃": "-", "▄": "=", "▅": "+", "▆": "*", "▇": "#", "↑": "^", "↓": "v",
        "⏸": "=", "−": "-", "▲": "^", "⚠": "!", "·": ".", "•": "*", "◆": "*", "←": "<", "▔": "-", "≥": ">",
        "≤": "<", "≡": "=", "⧗": "~", "±": "+", "µ": "u", "μ": "u", "¹": "1", "²": "2", "⁻": "-", "⣀": ".", "⣿": "#",
    ]

    /// One row of text, trailing blanks kept.
    public func row(_ y: Int) -> String {
        var out = String.UnicodeScalarView()
        for c in cells[(y * width)..<((y + 1) * width)] { out.append(Unicode.Scalar(c.scalar) ?? "?") }
        return String(out)
    }

    /// The whole screen as text, one line per row with trailing blanks
    /// trimmed: what the snapshot tests compare.
    public var text: String {
        (0..<height).map { y in
            var line = row(y)
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
