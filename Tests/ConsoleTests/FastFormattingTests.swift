import Foundation
import PaySim
import Testing
@testable import Console

/// The hand-written formatting of the frame's hot paths gives exactly what
/// the plain Swift it replaced gives.
@Suite struct FastFormattingTests {
    /// The grouping as it was first written: Swift's digits, a comma every three from the right.
    static func groupedReference(_ v: Int64) -> String {
        let s = String(v.magnitude)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (v < 0 ? "-" : "") + out
    }

    /// Fixed decimals as first written.
    static func trimReference(_ v: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let n = Int64((v * scale).rounded())
        let sign = n < 0 ? "-" : ""
        let m = n.magnitude
        let whole = m / UInt64(scale), frac = m % UInt64(scale)
        guard decimals > 0 else { return sign + String(whole) }
        var f = String(frac)
        while f.count < decimals { f = "0" + f }
        return sign + String(whole) + "." + f
    }

    @Test func groupedDigitsAreSwiftsWithCommas() {
        var rng = SeededRandom(seed: 7)
        var values: [Int64] = [0, 1, -1, 9, 99, 999, 1_000, -1_000, 999_999, 1_000_000, .max, .min, .min + 1]
        for _ in 0..<5_000 {
            let digits = 1 + rng.nextInt(below: 18)
            var v: Int64 = 0
            for _ in 0..<digits { v = v * 10 + Int64(rng.nextInt(below: 10)) }
            values.append(rng.chance(0.3) ? -v : v)
        }
        for v in values { #expect(Money.grouped(v) == FastFormattingTests.groupedReference(v), "\(v)") }
    }

    @Test func trimmedDecimalsAreAsBefore() {
        var rng = SeededRandom(seed: 11)
        var cases: [(Double, Int)] = [(0, 0), (0, 1), (-0.04, 1), (-0.05, 1), (0.05, 1), (9.995, 2), (-9.995, 2), (1e15, 3), (-123.456, 0), (0.001, 3)]
        for _ in 0..<5_000 {
            let v = (Double(rng.nextInt(below: 2_000_000_000)) - 1e9) / pow(10, Double(rng.nextInt(below: 8)))
            cases.append((v, rng.nextInt(below: 5)))
        }
        for (v, d) in cases { #expect(Format.trim(v, d) == FastFormattingTests.trimReference(v, d), "\(v) to \(d)") }
    }

    /// A frame's bytes for a cell: its character in UTF-8, or `?` for a
    /// control character, which would act on the terminal instead.
    @Test func cellsGoOutAsUTF8AndControlsAsQuestionMarks() {
        var rng = SeededRandom(seed: 3)
        var scalars: [UInt32] = [0, 0x1B, 0x1F, 0x20, 0x7E, 0x7F, 0x80, 0x9F, 0xA0, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF, 0x2800, 0x2502]
        for _ in 0..<20_000 { scalars.append(UInt32(rng.nextInt(below: 0x110000))) }
        for v in scalars {
            guard let scalar = Unicode.Scalar(v) else { continue }
            var out: [UInt8] = []
            NCursesTerminal.appendUTF8(v, to: &out)
            let control = v < 0x20 || (0x7F..<0xA0).contains(v)
            #expect(out == (control ? [UInt8(ascii: "?")] : Array(String(Character(scalar)).utf8)), "U+\(String(v, radix: 16))")
        }
    }

    /// `put` writes what a scalar-by-scalar walk of the text would, ASCII or
    /// not, clipped to the canvas and to `maxWidth`.
    @Test func putWritesTheCellsOfAScalarWalk() {
        var rng = SeededRandom(seed: 5)
        let alphabet: [Character] = ["a", "Z", "7", " ", "%", "é", "→", "█", "⣿", "✓", "e\u{301}", "·"]
        for _ in 0..<2_000 {
            let text = String((0..<rng.nextInt(below: 14)).map { _ in alphabet[rng.nextInt(below: alphabet.count)] })
            let x = rng.nextInt(below: 24) - 4, maxWidth = rng.chance(0.5) ? Int.max : rng.nextInt(below: 12)
            var expected = Canvas(width: 20, height: 2)
            var col = x
            let limit = min(20, maxWidth == .max ? 20 : x + maxWidth)
            var joined = false
            for scalar in text.unicodeScalars where Canvas.startsCell(scalar, joined: &joined) {
                if col >= limit { break }
                if col >= 0 { expected[col, 1] = Cell(scalar: scalar.value, style: Style(.ok)) }
                col += 1
            }
            var clipped = Canvas(width: 20, height: 2)
            let clippedEnd = clipped.put(text, x: x, y: 1, style: Style(.ok), maxWidth: maxWidth)
            #expect(clipped.cells == expected.cells, "'\(text)' at \(x), max \(maxWidth)")
            #expect(clippedEnd == col, "'\(text)' at \(x), max \(maxWidth)")
            #expect(Canvas.width(of: text) == text.unicodeScalars.reduce(into: (0, false)) { acc, s in
                var j = acc.1
                if Canvas.startsCell(s, joined: &j) { acc.0 += 1 }
                acc.1 = j
            }.0)
        }
    }

    /// A table lays out once per width, and again when its columns change.
    @Test func aTableLaysOutAgainWhenItsColumnsChange() {
        var t = Table(columns: [.init(title: "a", width: 5, priority: 0), .init(title: "b", width: 5, priority: 1)])
        #expect(t.layout(width: 11).map(\.index) == [0, 1])
        #expect(t.layout(width: 8).map(\.index) == [0])
        #expect(t.layout(width: 11).map(\.index) == [0, 1])
        t.columns.insert(.init(title: "c", width: 4, priority: 0), at: 0)
        #expect(t.layout(width: 11).map(\.index) == [0, 1])
        #expect(t.layout(width: 11).map(\.x) == [0, 5])
        let copy = t
        t.columns.removeAll()
        #expect(t.layout(width: 11).isEmpty)
        #expect(copy.layout(width: 11).map(\.index) == [0, 1], "a copy keeps its own columns' layout")
    }
}
