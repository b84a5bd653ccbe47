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

    /// The idempotency store's set against `Set`, with ids in sequence,
    /// late stragglers far behind, step bits high up, and whole pages
    /// emptied and reused.
    @Test func sequentialIDSetBehavesLikeASet() {
        var rng = SeededRandom(seed: 3)
        var set = SequentialIDSet()
        var reference = Set<Int64>()
        var next: Int64 = 0
        for _ in 0..<60_000 {
            let id: Int64
            switch rng.nextInt(below: 4) {
            case 0: id = next; next += Int64(1 + rng.nextInt(below: 3))
            case 1: id = Int64(rng.nextInt(below: Int(next) + 1))
            case 2: id = Int64(rng.nextInt(below: Int(next) + 1)) | Int64(1 + rng.nextInt(below: 7)) << 56
            default: id = reference.randomElement(using: &rng) ?? 0
            }
            if rng.nextInt(below: 3) == 0 {
                let removed = set.remove(id)
                #expect(removed == (reference.remove(id) != nil))
            } else {
                let inserted = set.insert(id)
                #expect(inserted == reference.insert(id).inserted)
            }
            #expect(set.contains(id) == reference.contains(id))
        }
        #expect(set.count == reference.count)
        for id in reference.prefix(2_000) { #expect(set.contains(id)) }
        for id in reference { set.remove(id) }
        #expect(set.count == 0 && !set.contains(0))
    }
}
