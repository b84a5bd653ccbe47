import Testing
@testable import Console

/// The canvas's cells: one a character, eight bytes each, styles that keep
/// every role and flag they are given.
@Suite struct CanvasTests {
    @Test func aCellIsEightBytesOfPlainData() {
        #expect(MemoryLayout<Cell>.stride == 8)
        #expect(_isPOD(Cell.self))
    }

    /// Every role (the graph gradient's steps too), background and flag
    /// comes back as it was set, alone and together.
    @Test func stylesKeepWhatTheyAreGiven() {
        let roles: [ThemeRole] = ThemeRole.named.map(\.role) + (0..<12).map { .graph($0) }
        for role in roles {
            for background in [nil] + roles.prefix(3).map(Optional.some) {
                for flags in 0..<8 {
                    let s = Style(role, bold: flags & 1 != 0, reverse: flags & 2 != 0, underline: flags & 4 != 0, background: background)
                    #expect(s.role == role)
                    #expect(s.background == background)
                    #expect(s.bold == (flags & 1 != 0) && s.reverse == (flags & 2 != 0) && s.underline == (flags & 4 != 0))
                    var t = s
                    t.reverse.toggle()
                    t.background = .selection
                    #expect(t.role == role && t.bold == s.bold && t.underline == s.underline && t.reverse != s.reverse)
                    #expect(t.background == .selection)
                }
            }
        }
        #expect(Style(.ok) != Style(.ok, bold: true))
        #expect(Style.plain == Style(.text))
    }

    /// A character takes one cell, whatever scalars make it: a combining
    /// accent or a variation selector adds none, and a joined sequence
    /// shows its first part. What follows lands where it should.
    @Test func aCharacterTakesOneCell() {
        var c = Canvas(width: 20, height: 1)
        let end = c.put("e\u{301}x✓\u{FE0F}y👩\u{200D}💻z", x: 0, y: 0)
        #expect(end == 6)
        #expect(c.row(0).prefix(6) == "ex✓y👩z")
        // Clipped at the width, as ASCII text is.
        var d = Canvas(width: 3, height: 1)
        #expect(d.put("●●●●●", x: 1, y: 0) == 3)
        #expect(d.row(0) == " ●●")
    }

    /// A copied block pasted back leaves the canvas as it was.
    @Test func copyAndPasteRoundTrip() {
        var c = Canvas(width: 10, height: 4)
        c.put("abcdefghij", x: 0, y: 1, style: Style(.ok))
        c.put("klmnopqrst", x: 0, y: 2, style: Style(.warn))
        let r = Rect(x: 2, y: 1, width: 5, height: 2)
        let block = c.copy(r)
        var d = Canvas(width: 10, height: 4)
        d.put("abcdefghij", x: 0, y: 1, style: Style(.ok))
        d.fill(r)
        d.put("klmnopqrst", x: 0, y: 2, style: Style(.warn))
        d.fill(r)
        d.paste(block, into: r)
        #expect(d == c)
    }

    /// A terminal without UTF-8 gets a readable stand-in for every symbol
    /// the panels draw, not a question mark.
    @Test func everySymbolThePanelsDrawHasAnASCIIStandIn() {
        let symbols = "×–…→·↑↓▲─—✖█✗✓●▁−•▇▆▅▄▃▂┐┌│⚠◐▸░┘└⏸↻←◆▔≥⧗µ"
        var c = Canvas(width: symbols.count, height: 1)
        c.put(symbols, x: 0, y: 0)
        c.transliterateToASCII()
        #expect(c.row(0).allSatisfy { $0.isASCII })
        #expect(!c.row(0).contains("?"), "\(c.row(0))")
    }
}
