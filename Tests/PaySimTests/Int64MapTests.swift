import Testing
@testable import PaySim

/// The engine's id table against the standard library's Dictionary, over
/// random operations on key patterns the engine produces (sequential ids,
/// ids with a step in the high bits, sparse and negative keys), through
/// growth, deletion runs that wrap around the table, copies and clears.
@Suite struct Int64MapTests {
    static func keys(_ pattern: Int, _ rng: inout SeededRandom) -> Int64 {
        switch pattern {
        case 0: return Int64(rng.nextInt(below: 3_000))
        case 1: return Int64(rng.nextInt(below: 500)) | Int64(rng.nextInt(below: 8)) << 56
        case 2: return Int64(rng.nextInt(below: 200)) * 1_024
        default: return Int64(bitPattern: rng.next() | 1) >> Int64(rng.nextInt(below: 60))
        }
    }

    @Test(arguments: 0..<4)
    func behavesLikeADictionary(pattern: Int) {
        var rng = SeededRandom(seed: UInt64(pattern + 7))
        var map = Int64Map<Int>()
        var reference: [Int64: Int] = [:]
        var snapshot: (Int64Map<Int>, [Int64: Int])?
        for step in 0..<40_000 {
            let k = Self.keys(pattern, &rng)
            switch rng.nextInt(below: 10) {
            case 0...3:
                let replaced = map.updateValue(step, forKey: k)
                #expect(replaced == reference.updateValue(step, forKey: k))
            case 4...6:
                let removed = map.removeValue(forKey: k)
                #expect(removed == reference.removeValue(forKey: k))
            case 7:
                let inserted = map.insertIfAbsent(k, step)
                #expect(inserted == (reference[k] == nil))
                if reference[k] == nil { reference[k] = step }
            case 8:
                map[k] = nil
                reference[k] = nil
            default:
                #expect(map[k] == reference[k])
                #expect(map.contains(k) == (reference[k] != nil))
            }
            if step % 9_973 == 0 { snapshot = (map, reference) }
            if step == 30_000 { map.removeAll(keepingCapacity: true); reference.removeAll() }
        }
        #expect(map.count == reference.count)
        #expect(Dictionary(uniqueKeysWithValues: map.map { ($0.key, $0.value) }) == reference)
        #expect(map.keys.sorted() == reference.keys.sorted())
        #expect(map.values.sorted() == reference.values.sorted())
        // A copy taken earlier is unaffected by everything since.
        if let (m, r) = snapshot {
            #expect(Dictionary(uniqueKeysWithValues: m.map { ($0.key, $0.value) }) == r)
        }
    }

    @Test func valuesAreReleasedWhenRemovedOrDropped() {
        final class Token {}
        weak var removed: Token?
        weak var kept: Token?
        do {
            var map = Int64Map<Token>()
            let a = Token(), b = Token()
            removed = a
            kept = b
            map[1] = a
            map[2] = b
            map[1] = nil
            #expect(map.count == 1)
        }
        #expect(removed == nil)
        #expect(kept == nil)
    }

    @Test func setCountsInsertionsOnce() {
        var set = Int64Set()
        let first = set.insert(5), second = set.insert(5)
        #expect(first && !second)
        #expect(set.contains(5) && set.count == 1)
        let removed = set.remove(5), again = set.remove(5)
        #expect(removed && !again)
        #expect(set.count == 0)
    }
}
