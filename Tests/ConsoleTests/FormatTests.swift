import PropertyBased
import Testing
@testable import Console

/// Figures in narrow cells: shortened when they must be, never cut.
@Suite struct FormatTests {
    /// A figure as printed must be the value itself or its abbreviation.
    static func isWhole(_ text: Substring, _ value: Int) -> Bool {
        text == Substring(String(value)) || text == Substring(Format.count(Double(value)))
    }

    @Test func slotFiguresAreShortenedNeverCut() async {
        await propertyCheck(count: 3_000, input: Gen.int(in: 0...100_000), Gen.int(in: 1...100_000), Gen.int(in: 0...10_000_000),
                            Gen.int(in: 11...14)) { inUse, capacity, queued, width in
            let text = Format.slots(inUse: inUse, capacity: capacity, queued: queued, width: width)
            #expect(text.count <= width, "\(text) in \(width)")
            let (slots, queue) = text.contains("+") ? (text.split(separator: "+")[0], text.split(separator: "+").last) : (Substring(text), nil)
            let parts = slots.split(separator: "/")
            #expect(Self.isWhole(parts[0], inUse), "\(text)")
            if parts.count == 2 { #expect(Self.isWhole(parts[1], capacity), "\(text)") }
            if let queue { #expect(Self.isWhole(queue, queued), "\(text)") } else { #expect(queued == 0, "\(text) hides a queue") }
        }
    }

    @Test func theFullQueueThatUsedToBeCutIsWhole() {
        #expect(Format.slots(inUse: 32, capacity: 32, queued: 128, width: 11) == "32/32+128")
        #expect(Format.slots(inUse: 64, capacity: 64, queued: 12_800, width: 11) == "64/64+12800")
        #expect(Format.slots(inUse: 64, capacity: 64, queued: 12_800, width: 10) == "64+12.8k")
    }
}
