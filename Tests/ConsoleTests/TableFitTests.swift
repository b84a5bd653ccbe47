import Foundation
import PaySim
import Testing
@testable import Console

/// A table cell never shows a cut number: whole, shortened, or `#`s.
@Suite struct TableFitTests {
    @Test func examples() {
        #expect(Table.fit("1,234", width: 5) == "1,234")
        #expect(Table.fit("12,345", width: 5) == "12345")
        #expect(Table.fit("123,456", width: 5) == "123k")
        #expect(Table.fit("1,234,567", width: 5) == "1.2M")
        #expect(Table.fit("12.5ms", width: 4) == "13ms")
        #expect(Table.fit("549ms", width: 4) == "####", "no shorter honest form")
        #expect(Table.fit("9.9%", width: 3) == "10%")
        #expect(Table.fit("1.45ms", width: 3) == "###", "1ms would be 31% off")
        #expect(Table.fit("shard-1", width: 5) == "shar…", "text is cut, with an ellipsis")
    }

    /// Over random numbers, formats and widths: the result fits, and is the
    /// text itself, `#`s, or a number within rounding of the original.
    @Test func aNumberIsNeverCut() {
        var rng = SystemRandomNumberGenerator()
        let units = ["", "ms", "%", "/s", "k", "s"]
        for _ in 0..<20_000 {
            let magnitude = Double.random(in: -2...9, using: &rng)
            var value = (Double.random(in: 1...10, using: &rng) * pow10(magnitude)).rounded(toPlaces: Int.random(in: 0...2, using: &rng))
            if Bool.random(using: &rng) { value = -value }
            let unit = units.randomElement(using: &rng)!
            let body = value.rounded() == value && abs(value) < 1e15 && Bool.random(using: &rng)
                ? Money.grouped(Int64(value)) : String(value)
            let text = body + unit
            guard let (parsed, _) = Table.number(text) else { continue }
            let width = Int.random(in: 1...12, using: &rng)
            let shown = Table.fit(text, width: width)
            #expect(shown.count <= width, "\(text) in \(width): \(shown)")
            if shown == text || shown.allSatisfy({ $0 == "#" }) { continue }
            guard let (v, u) = Table.number(shown) else {
                Issue.record("\(text) in \(width) became '\(shown)', not a number")
                continue
            }
            var scaled = v
            var rest = u
            if u.count > unit.count {
                let letter = u.prefix(u.count - unit.count)
                scaled *= letter == "k" ? 1e3 : letter == "M" ? 1e6 : letter == "G" ? 1e9 : .nan
                rest = String(u.dropFirst(letter.count))
            }
            #expect(rest == unit, "\(text) in \(width): '\(shown)' changed its unit")
            // A shorter form is within 5% of the value (the text's own rounding aside).
            let tolerance = abs(parsed) * 0.05 + 1e-9
            #expect(abs(scaled - parsed) <= tolerance, "\(text) in \(width): '\(shown)' is \(scaled), not about \(parsed)")
        }
    }

    func pow10(_ e: Double) -> Double { Double(sign: .plus, exponent: 0, significand: 1) * exp(e * log(10.0)) }
}

extension Double {
    func rounded(toPlaces p: Int) -> Double {
        var scale = 1.0
        for _ in 0..<p { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
