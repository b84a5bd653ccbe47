import Testing
import CNCurses
import PaySim
@testable import Console

@Suite struct NCursesSmokeTests {
    @Test func linksAgainstWideNCurses() {
        #expect(NCursesTerminal.libraryVersion.hasPrefix("ncurses 6"))
        // The shim's re-exported macros carry ncurses' real values.
        #expect(payops_a_bold() != 0 && payops_a_bold() != payops_a_reverse())
        #expect(payops_color_pair(3) == payops_color_pair(1) * 3)
        #expect(payops_err() == -1)
    }

    /// A frame rewrites only what changed: copying the spans of a row from
    /// the new frame onto the old gives the new row; every span starts and
    /// ends on a changed cell; equal rows write nothing; gaps of fewer than
    /// eight equal cells are joined.
    @Test func onlyTheChangedSpansOfARowAreWritten() {
        var r = SeededRandom(seed: 11)
        let width = 40, rows = 400
        var spans: [Range<Int>] = []
        var joined = false
        for _ in 0..<rows {
            let old = (0..<width).map { _ in Cell(scalar: UInt32(65 + r.nextInt(below: 3)), style: Style(.text)) }
            var new = old
            for _ in 0..<r.nextInt(below: 6) { new[r.nextInt(below: width)] = Cell(scalar: 90, style: Style(.accent, bold: r.nextInt(below: 2) == 0)) }
            old.withUnsafeBufferPointer { o in
                new.withUnsafeBufferPointer { n in
                    NCursesTerminal.changedSpans(old: o, new: n, from: 0, count: width, into: &spans)
                }
            }
            var copied = old
            for s in spans {
                #expect(old[s.lowerBound] != new[s.lowerBound] && old[s.upperBound - 1] != new[s.upperBound - 1])
                for x in s { copied[x] = new[x] }
            }
            #expect(copied == new)
            if old == new { #expect(spans.isEmpty) }
            for (a, b) in zip(spans, spans.dropFirst()) { #expect(b.lowerBound - a.upperBound >= 8, "\(spans)") }
            joined = joined || spans.contains { s in s.contains { old[$0] == new[$0] } }
        }
        #expect(joined, "some spans were joined across equal cells")
        // No old frame: the whole row.
        let row = [Cell](repeating: Cell(scalar: 32, style: Style(.text)), count: width)
        row.withUnsafeBufferPointer { NCursesTerminal.changedSpans(old: nil, new: $0, from: 0, count: width, into: &spans) }
        #expect(spans == [0..<width])
    }
}
