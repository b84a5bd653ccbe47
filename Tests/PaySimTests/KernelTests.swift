import Testing
@testable import PaySim
#if canImport(Glibc)
import Glibc
#endif

@Suite struct SeededRandomTests {
    @Test func splitMix64MatchesPublishedVectors() {
        var r = SplitMix64(seed: 1_234_567)
        let expected: [UInt64] = [6457827717110365317, 3203168211198807973, 9817491932198370423,
                                  4593380528125082431, 16408922859458223821]
        for e in expected { #expect(r.next() == e) }
    }

    @Test func xoshiro256StarStarMatchesPublishedVectors() {
        var r = SeededRandom(state: (1, 2, 3, 4))
        let expected: [UInt64] = [11520, 0, 1509978240, 1215971899390074240, 1216172134540287360,
                                  607988272756665600, 16172922978634559625, 8476171486693032832,
                                  10595114339597558777, 2904607092377533576]
        for e in expected { #expect(r.next() == e) }
    }

    @Test func streamsAreReproducibleAndIndependent() {
        var a = SeededRandom(seed: 7, stream: "network"), b = SeededRandom(seed: 7, stream: "network")
        var c = SeededRandom(seed: 7, stream: "disk")
        let xs = (0..<8).map { _ in a.next() }
        #expect(xs == (0..<8).map { _ in b.next() })
        #expect(xs != (0..<8).map { _ in c.next() })
    }

    @Test func boundedIntegersStayInRangeAndCoverIt() {
        var r = SeededRandom(seed: 3)
        var seen = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 {
            let v = r.nextInt(below: 7)
            #expect(v >= 0 && v < 7)
            seen[v] += 1
        }
        for n in seen { #expect(abs(n - 10_000) < 500) }
        for _ in 0..<10_000 {
            let d = r.nextDouble()
            #expect(d >= 0 && d < 1)
        }
    }
}

@Suite struct DistributionTests {
    func mean(_ n: Int, _ f: (inout SeededRandom) -> Double) -> Double {
        var r = SeededRandom(seed: 11)
        var s = 0.0
        for _ in 0..<n { s += f(&r) }
        return s / Double(n)
    }

    /// Distributions with one sigma share a table, and a shared table gives
    /// what a table of the distribution's own gives, bit for bit.
    @Test func tabulatedLogNormalsWithOneSigmaShareATableAndKeepTheirValues() {
        let a = TabulatedLogNormal(median: 1_250, sigma: 0.37), b = TabulatedLogNormal(median: 80, sigma: 0.37)
        let c = TabulatedLogNormal(median: 80, sigma: 0.41)
        #expect(a.table.withUnsafeBufferPointer { $0.baseAddress } == b.table.withUnsafeBufferPointer { $0.baseAddress })
        #expect(b.table.withUnsafeBufferPointer { $0.baseAddress } != c.table.withUnsafeBufferPointer { $0.baseAddress })
        let own = TabulatedLogNormal.standardQuantiles.map { 80 * exp(0.37 * $0) }
        var r1 = SeededRandom(seed: 3), r2 = SeededRandom(seed: 3)
        for _ in 0..<10_000 {
            let u = r2.next() >> 11
            let i = Int(u >> 41)
            let f = Double(u & ((1 << 41) - 1)) * 0x1.0p-41
            #expect(b.sample(&r1) == own[i] + (own[i + 1] - own[i]) * f)
        }
    }

    @Test func exponentialMeanIsOneOverRate() {
        let d = Exponential(rate: 4)
        #expect(abs(mean(400_000) { d.sample(&$0) } / 0.25 - 1) < 0.01)
    }

    @Test func lognormalMeanIsExpMuPlusHalfSigmaSquared() {
        let d = LogNormal(median: 120, sigma: 0.6)
        #expect(abs(d.mean - 120 * 1.1972173631218102) < 1e-9)
        #expect(abs(mean(400_000) { d.sample(&$0) } / d.mean - 1) < 0.01)
    }

    @Test func uniformMeanIsTheMidpoint() {
        let d = UniformReal(2, 10)
        #expect(abs(mean(200_000) { d.sample(&$0) } - 6) < 0.03)
    }

    @Test(arguments: [(1_000, 1.1), (100_000, 0.9), (50, 2.0)])
    func zipfMeanMatchesTheory(n: Int, s: Double) {
        let z = Zipf(n: n, exponent: s)
        let m = mean(400_000) { Double(z.sample(&$0)) }
        #expect(abs(m / z.mean - 1) < 0.02, "sample mean \(m), theory \(z.mean)")
    }

    @Test func zipfStaysInRangeAndFavoursRankOne() {
        let z = Zipf(n: 10, exponent: 1)
        var r = SeededRandom(seed: 5)
        var counts = [Int](repeating: 0, count: 11)
        for _ in 0..<100_000 {
            let k = z.sample(&r)
            #expect(k >= 1 && k <= 10)
            counts[k] += 1
        }
        // P(1) = 1 / H(10) ≈ 0.3414
        #expect(abs(Double(counts[1]) / 100_000 - 0.3414) < 0.01)
        #expect(counts[1] > counts[2] && counts[2] > counts[10])
    }
}

@Suite struct EventQueueTests {
    @Test func popsInTimeOrderWithTiesInScheduleOrder() {
        var q = EventQueue<Int>()
        q.schedule(at: 30, 1)
        q.schedule(at: 10, 2)
        q.schedule(at: 30, 3)
        q.schedule(at: 10, 4)
        q.schedule(at: 20, 5)
        var out: [Int] = []
        while let e = q.popNext() { out.append(e.payload) }
        #expect(out == [2, 4, 5, 1, 3])
    }

    @Test func popNotAfterStopsAtTheLimit() {
        var q = EventQueue<Int>()
        for t in [5, 1, 9] { q.schedule(at: Int64(t), t) }
        #expect(q.popNext(notAfter: 4)?.payload == 1)
        #expect(q.popNext(notAfter: 4) == nil)
        #expect(q.nextTime == 5)
        #expect(q.count == 2)
    }

    /// A lane timer cancelled by its handle lets go of its payload at once
    /// but keeps its place: the queue hands out the same times in the same
    /// order, with the tombstone where the timer was.
    @Test func aCancelledTimerKeepsItsPlaceAndHoldsNothing() {
        final class Box { let n: Int; init(_ n: Int) { self.n = n } }
        var q = EventQueue<Box?>()
        var boxes = (0..<4).map { Box($0) }
        weak let cancelled = boxes[2]
        var handles: [EventQueue<Box?>.TimerHandle] = []
        for (i, b) in boxes.enumerated() {
            handles.append(q.schedule(after: 100, from: Int64(i), b))
            q.schedule(at: Int64(i) + 50, Box(10 + i))
        }
        boxes.removeAll()
        #expect(cancelled != nil, "the queue holds the timer's payload")
        let first = q.cancel(handles[2], replacingWith: nil)
        #expect(first)
        #expect(cancelled == nil, "a cancelled timer holds nothing")
        let again = q.cancel(handles[2], replacingWith: nil)
        #expect(again, "cancelling twice is harmless: the timer is still pending, still empty")
        var out: [(Int64, Int?)] = []
        while let e = q.popNext() {
            out.append((e.time, e.payload?.n))
            if e.time == 100 {
                let late = q.cancel(handles[0], replacingWith: nil)
                #expect(!late, "a timer that fired cannot be cancelled")
            }
        }
        #expect(out.map(\.0) == [50, 51, 52, 53, 100, 101, 102, 103])
        #expect(out.map(\.1) == [10, 11, 12, 13, 0, 1, nil, 3])
        let none = q.cancel(.none, replacingWith: nil)
        #expect(!none)
    }

    /// Handles stay true after `removeAll`: an old one finds nothing to
    /// cancel, and the timers armed since are untouched.
    @Test func aHandleFromBeforeRemoveAllCancelsNothing() {
        var q = EventQueue<Int>()
        let old = q.schedule(after: 10, from: 0, 1)
        q.removeAll()
        let new = q.schedule(after: 10, from: 5, 2)
        let cancelledOld = q.cancel(old, replacingWith: -1)
        #expect(!cancelledOld)
        let popped = q.popNext()?.payload
        #expect(popped == 2)
        let cancelledFired = q.cancel(new, replacingWith: -1)
        #expect(!cancelledFired)
    }

    /// Batches handed to an ordered lane (sorted, each after the last, and
    /// now and then one out of order, which goes to the heap) come out
    /// interleaved with heap and delay-lane events exactly as they would
    /// had everything been scheduled with `schedule(at:)`.
    @Test func anOrderedLaneKeepsTheOrderOfTheHeap() {
        var q = EventQueue<Int>(), reference = EventQueue<Int>()
        var r = SeededRandom(seed: 5)
        var now: Int64 = 0, payload = 0, laned = 0
        for second in Int64(0)..<50 {
            // The batch for this second, sorted; sometimes one straggler from before it.
            var batch = (0..<r.nextInt(below: 40)).map { _ in second * 1_000 + Int64(r.nextInt(below: 1_000)) }
            batch.sort()
            if second > 0 && r.nextInt(below: 4) == 0 { batch.append(second * 1_000 - 1) }
            for t in batch {
                q.schedule(at: t, orderedLane: -1, payload)
                reference.schedule(at: t, payload)
                payload += 1
            }
            laned += batch.count
            for _ in 0..<r.nextInt(below: 30) {
                let t = now + Int64(r.nextInt(below: 2_000))
                q.schedule(at: t, payload)
                reference.schedule(at: t, payload)
                payload += 1
                q.schedule(after: 700, from: now, payload)
                reference.schedule(at: now + 700, payload)
                payload += 1
            }
            // Pop up to the next second, as the engine does between ticks.
            now = (second + 1) * 1_000
            while let e = reference.popNext(notAfter: now) {
                let got = q.popNext(notAfter: now)
                #expect(got?.time == e.time && got?.payload == e.payload)
            }
            #expect(q.popNext(notAfter: now) == nil)
        }
        while let e = reference.popNext() { #expect(q.popNext()?.payload == e.payload) }
        #expect(q.isEmpty && laned > 500)
    }

    /// A copy is a queue of its own (copy on write): events scheduled on
    /// or popped from one are not seen by the other, and each still comes
    /// out in order.
    @Test func aCopiedQueueIsItsOwn() {
        var a = EventQueue<Int>()
        for t in [40, 10, 30, 20] { a.schedule(at: Int64(t), t) }
        a.schedule(after: 25, from: 0, 25)
        var b = a
        b.schedule(at: 5, 5)
        #expect(a.popNext()?.payload == 10)
        var fromA: [Int] = [], fromB: [Int] = []
        while let e = a.popNext() { fromA.append(e.payload) }
        while let e = b.popNext() { fromB.append(e.payload) }
        #expect(fromA == [20, 25, 30, 40])
        #expect(fromB == [5, 10, 20, 25, 30, 40])
        // Grown past its first storage while a copy shares it.
        var c = EventQueue<Int>()
        for i in 0..<50 { c.schedule(at: Int64(i), i) }
        let d = c
        for i in 50..<300 { c.schedule(at: Int64(300 - i), i) }
        #expect(d.count == 50 && c.count == 300)
    }

    /// The queue holds a payload exactly while its event is pending: popped,
    /// the event is the caller's; a queue let go (or emptied) lets go of
    /// what it still held.
    @Test func payloadsLiveExactlyWhileTheirEventsArePending() {
        final class Box { let n: Int; init(_ n: Int) { self.n = n } }
        weak var popped: Box?, pending: Box?, emptied: Box?
        do {
            var q = EventQueue<Box>()
            for i in 0..<200 { q.schedule(at: Int64(i % 17), Box(i)) }
            let first = q.popNext()?.payload
            popped = first
            #expect(first?.n == 0)
            var p = q
            pending = p.popNext()?.payload
            #expect(pending != nil, "popped from the copy, still pending in the original")
            q.removeAll()
            #expect(pending == nil, "the original emptied lets it go")
            while p.popNext() != nil {}
            #expect(p.isEmpty && q.isEmpty)
            var r = EventQueue<Box>()
            let box = Box(7)
            emptied = box
            r.schedule(at: 1, box)
        }
        #expect(popped == nil && pending == nil && emptied == nil)
    }

    @Test func manyRandomEventsComeOutSorted() {
        var q = EventQueue<Int>()
        var r = SeededRandom(seed: 9)
        for i in 0..<10_000 { q.schedule(at: Int64(r.nextInt(below: 1_000)), i) }
        var last: (Int64, Int) = (-1, -1)
        while let e = q.popNext() {
            #expect(e.time > last.0 || (e.time == last.0 && e.payload > last.1))
            last = (e.time, e.payload)
        }
    }
}

@Suite struct DurationTests {
    @Test(arguments: [("500ms", 500_000), ("30s", 30_000_000), ("10m", 600_000_000), ("1h", 3_600_000_000),
                      ("1m30s", 90_000_000), ("2h5m", 7_500_000_000), ("0s", 0), ("250us", 250)])
    func parsesWrittenDurations(text: String, micros: Int64) throws {
        #expect(try SimDuration.parse(text).microseconds == micros)
    }

    @Test(arguments: ["", "10", "s", "1.5s", "-3s", "10x", "30s1m", "1m1m", "1 m", "99999999999999999999h"])
    func rejectsMalformedDurations(text: String) {
        #expect(throws: DurationParseError.self) { try SimDuration.parse(text) }
    }

    @Test func errorSaysWhereAndWhatIsValid() {
        do {
            _ = try SimDuration.parse("1m30x")
            Issue.record("should not parse")
        } catch {
            #expect(error.offset == 4)
            #expect(error.description.contains("500ms, 30s, 10m, 1h or 1m30s"))
        }
    }

    @Test func describesCanonically() throws {
        for text in ["1m30s", "500ms", "1h", "2h5m3s", "0s"] {
            #expect(try SimDuration.parse(text).description == text)
        }
    }
}

@Suite struct WorkloadMixTests {
    @Test func parsesAndDefaults() throws {
        #expect(try WorkloadMix.parse("payment=60,topup=25,trade=15") == .default)
        #expect(try WorkloadMix.parse("trade=100") == WorkloadMix(payment: 0, topup: 0, trade: 100))
    }

    @Test(arguments: ["", "payment=60", "payment=60,topup=25,trade=16", "cash=100", "payment=x,topup=100",
                      "payment=60,payment=40", "payment60", "payment=-10,topup=110"])
    func rejectsMalformedMixes(text: String) {
        #expect(throws: WorkloadMix.ParseError.self) { try WorkloadMix.parse(text) }
    }
}

@Suite struct MMcTests {
    @Test func erlangCMatchesTheKnownValue() {
        let m = MMcQueueModel(arrivalRate: 90, serviceRate: 10, servers: 10, seed: 1)
        #expect(abs(m.erlangCMeanWaitSeconds - 0.0668731524107697) < 1e-12)
        // M/M/1: Wq = ρ / (μ − λ)
        let m1 = MMcQueueModel(arrivalRate: 5, serviceRate: 10, servers: 1, seed: 1)
        #expect(abs(m1.erlangCMeanWaitSeconds - 0.1) < 1e-12)
    }

    @Test func millionCustomersMeanWaitIsWithinFivePercentOfErlangC() {
        let m = MMcQueueModel(arrivalRate: 90, serviceRate: 10, servers: 10, seed: 1)
        let r = m.run(customers: 1_000_000)
        #expect(r.customers == 1_000_000)
        let error = abs(r.meanWaitSeconds / m.erlangCMeanWaitSeconds - 1)
        #expect(error < 0.05, "mean wait \(r.meanWaitSeconds) vs Erlang C \(m.erlangCMeanWaitSeconds)")
    }

    @Test func sameSeedSameResult() {
        let m = MMcQueueModel(arrivalRate: 9, serviceRate: 1, servers: 10, seed: 4)
        #expect(m.run(customers: 20_000) == m.run(customers: 20_000))
    }
}
