import Foundation
import Histogram
import Testing
@testable import PaySim

/// The components that protect and limit the platform, each on its own.
@Suite struct CircuitBreakerTests {
    func breaker() -> CircuitBreaker {
        CircuitBreaker(windowCalls: 10, minimumCalls: 5, failureRatePercent: 50, slowCallRatePercent: 80,
                       openDuration: .seconds(5), halfOpenCalls: 2)
    }

    @Test func opensOnlyOnceTheMinimumCallsAreInTheWindow() {
        var b = breaker()
        for i in 0..<4 { #expect(b.record(now: Int64(i), failed: true, slow: false) == nil) }
        #expect(b.state == .closed, "four failures are below the minimum of five calls")
        #expect(b.record(now: 4, failed: true, slow: false) == .opened(failurePercent: 100, slowPercent: 0))
        #expect(b.state == .open && b.opens == 1)
    }

    @Test func aFailureRateBelowTheThresholdStaysClosed() {
        var b = breaker()
        for i in 0..<10 { _ = b.record(now: Int64(i), failed: i % 3 == 0, slow: false) }
        #expect(b.state == .closed)
        #expect(b.failurePercent == 40)
    }

    @Test func slowCallsOpenItToo() {
        var b = breaker()
        for i in 0..<4 { _ = b.record(now: Int64(i), failed: false, slow: true) }
        #expect(b.record(now: 5, failed: false, slow: true) == .opened(failurePercent: 0, slowPercent: 100))
    }

    @Test func openFailsFastThenHalfOpensWithTrialCalls() {
        var b = breaker()
        for i in 0..<5 { _ = b.record(now: Int64(i), failed: true, slow: false) }
        #expect(b.allow(now: 1_000_000).allowed == false)
        #expect(b.rejected == 1)
        let wait = b.allow(now: 5_000_004)
        #expect(wait.transition == .halfOpened && wait.allowed)
        #expect(b.allow(now: 5_000_005).allowed, "two trial calls")
        #expect(b.allow(now: 5_000_006).allowed == false, "no third while the trials are out")
        #expect(b.record(now: 5_100_000, failed: false, slow: false) == nil)
        #expect(b.record(now: 5_100_001, failed: false, slow: false) == .closed)
        #expect(b.state == .closed && b.allow(now: 5_200_000).allowed)
    }

    @Test func aFailedTrialOpensItAgain() {
        var b = breaker()
        for i in 0..<5 { _ = b.record(now: Int64(i), failed: true, slow: false) }
        #expect(b.tick(now: 5_000_004) == .halfOpened)
        _ = b.allow(now: 5_000_005)
        #expect(b.record(now: 5_000_006, failed: true, slow: false) == .reopened)
        #expect(b.state == .open && b.opens == 2)
        #expect(b.tick(now: 9_000_000) == nil, "the wait starts again from the reopening")
        #expect(b.tick(now: 10_000_006) == .halfOpened)
    }

    @Test func bulkheadRefusesBeyondItsLimit() {
        var h = Bulkhead(limit: 2)
        let first = h.acquire(), second = h.acquire(), third = h.acquire()
        #expect(first && second && !third)
        #expect(h.rejected == 1 && h.inUse == 2)
        h.release()
        let again = h.acquire()
        #expect(again)
        var off = Bulkhead(limit: nil)
        var all = true
        for _ in 0..<1_000 { all = off.acquire() && all }
        #expect(all)
    }
}

@Suite struct RetryPolicyTests {
    @Test func backoffHasFullJitterUnderAnExponentialCeilingAndACap() {
        let b = Backoff(baseMicros: 50_000, capMicros: 1_000_000)
        var rng = SeededRandom(seed: 3)
        for attempt in 1...8 {
            let ceiling = min(1_000_000, 50_000 << (attempt - 1))
            let draws = (0..<2_000).map { _ in b.delay(after: attempt, &rng) }
            #expect(draws.allSatisfy { $0 >= 0 && $0 < ceiling })
            // Uniform over [0, ceiling): the mean is near half and the draws spread over the whole range.
            let mean = Double(draws.reduce(0, +)) / Double(draws.count)
            #expect(abs(mean / Double(ceiling) - 0.5) < 0.05)
            #expect(draws.min()! < ceiling / 20 && draws.max()! > ceiling * 19 / 20)
        }
    }

    @Test func budgetKeepsRetriesToItsShareOfRequests() {
        var budget = RetryBudget(percent: 20, minPerSecond: 0, window: .seconds(10))
        var allowed = 0
        for second in 0..<30 {
            let now = Int64(second) * 1_000_000
            for _ in 0..<100 { budget.noteRequest(now: now) }
            // Every request would like three retries.
            for _ in 0..<300 where budget.allowRetry(now: now) { allowed += 1 }
        }
        #expect(allowed <= 30 * 100 * 20 / 100)
        #expect(allowed >= 30 * 100 * 20 / 100 - 100, "the budget is used, not starved")
        #expect(budget.refused > 0)
    }

    @Test func budgetFloorLetsAQuietServiceRetry() {
        var budget = RetryBudget(percent: 20, minPerSecond: 10, window: .seconds(10))
        var allowed = 0
        for _ in 0..<1_000 where budget.allowRetry(now: 0) { allowed += 1 }
        #expect(allowed == 100, "10 a second over a 10 s window with no requests at all")
    }

    @Test func tokenBucketAllowsItsRateAndBurst() {
        var bucket = TokenBucket(burst: 20, now: 0)
        var passed = 0
        // 1,000 requests a second for 10 s against 100 a second with a burst of 20.
        for ms in 0..<10_000 where bucket.take(now: Int64(ms) * 1_000, ratePerSecond: 100, burst: 20) { passed += 1 }
        #expect(passed >= 1_010 && passed <= 1_021)
    }
}

@Suite struct ProcessorTests {
    @Test func jobsQueueFirstComeFirstServedOnTheEarliestFreeServer() {
        var p = Processor(servers: 2)
        #expect(p.submit(at: 0, service: 100) == 100)
        #expect(p.submit(at: 0, service: 100) == 100)
        #expect(p.wait(at: 0) == 100)
        #expect(p.submit(at: 0, service: 50) == 150, "a third job waits for a core")
        #expect(p.submit(at: 10, service: 50) == 150)
        #expect(p.submit(at: 1_000, service: 10) == 1_010, "an idle server starts at once")
        #expect(p.waitedMicros == 100 + 90)
    }

    @Test func utilisationIsTheBusyShareOfEachSecond() {
        var p = Processor(servers: 4)
        // Two seconds of 40% load: 1,600 jobs of 1 ms a second over 4 cores,
        // submitted in time order as the event loop does.
        for second in 1...3 {
            for i in 0..<3_200 where Int64(i) * 625 < Int64(second) * 1_000_000 && Int64(i) * 625 >= Int64(second - 1) * 1_000_000 {
                _ = p.submit(at: Int64(i) * 625, service: 1_000)
            }
            p.tick(now: Int64(second) * 1_000_000)
        }
        let u = p.utilisation.values
        #expect(abs(u[0] - 0.4) < 0.01 && abs(u[1] - 0.4) < 0.01)
        #expect(u[2] < 0.01)
    }

    @Test func overloadShowsAsFullUtilisationAndGrowingWaits() {
        var p = Processor(servers: 1)
        for i in 0..<2_000 { _ = p.submit(at: Int64(i) * 500, service: 600) }
        p.tick(now: 1_000_000)
        #expect(p.utilisation.last! > 0.99)
        #expect(p.meanWait.last! > 50_000)
        p.reset(at: 1_000_000)
        #expect(p.wait(at: 1_000_000) == 0, "a crash empties the queue")
    }
}

@Suite struct CardGatewayTests {
    func gateway(decline: Double = 0) -> CardGateway {
        CardGateway(seed: 1, latency: LogNormal(median: 120_000, sigma: 0.6), captureLatency: LogNormal(median: 40_000, sigma: 0.6),
                    declineFraction: decline, tombstoneRetention: .seconds(60))
    }

    @Test func itKeepsItsOwnBooksOfChargesMatchesAndReversals() {
        var g = gateway()
        #expect(g.authorise(requestID: 1, amount: 500, now: 0) == true)
        #expect(g.authorise(requestID: 2, amount: 700, now: 0) == true)
        #expect(g.openCharges.isEmpty, "an authorisation reserves; only a capture charges")
        #expect(g.capture(requestID: 1) == true && g.capture(requestID: 2) == true)
        #expect(g.openCharges.count == 2 && g.openCharges[1] == 500 && g.openCharges[2] == 700)
        #expect(g.match(requestID: 1, now: 0) == 500)
        #expect(g.reverse(requestID: 2, now: 10) == true)
        #expect(g.openCharges.isEmpty)
        #expect(g.chargedMinorUnits == 1_200 && g.matchedMinorUnits == 500 && g.reversedMinorUnits == 700)
        #expect(g.match(requestID: 2, now: 10) == nil, "a reversed charge can never be credited")
        #expect(g.reversalsOfCredited.isEmpty)
        #expect(g.reverse(requestID: 1, now: 20) == true)
        #expect(g.reversalsOfCredited == [1], "reversing a credited charge is remembered as a break")
    }

    @Test func aVoidedAuthorisationCannotBeCaptured() {
        var g = gateway()
        #expect(g.authorise(requestID: 3, amount: 900, now: 0) == true)
        #expect(g.reverse(requestID: 3, now: 1) == true)
        #expect(g.authorisationsVoided == 1)
        #expect(g.capture(requestID: 3) == false, "a late capture of a voided authorisation charges nothing")
        #expect(g.chargedMinorUnits == 0 && g.openCharges.isEmpty)
    }

    @Test func aReversalBeforeItsAuthorisationRefusesTheAuthorisation() {
        var g = gateway()
        #expect(g.reverse(requestID: 9, now: 0) == true)
        #expect(g.authorise(requestID: 9, amount: 100, now: 1) == false)
        #expect(g.chargedMinorUnits == 0)
    }

    @Test func downItAnswersNothingAndChargesNothing() {
        var g = gateway()
        g.up = false
        #expect(g.authorise(requestID: 1, amount: 100, now: 0) == nil)
        #expect(g.reverse(requestID: 1, now: 0) == nil)
        #expect(g.lostWhileDown == 1 && g.openCharges.isEmpty)
    }
}

@Suite struct NetworkTests {
    @Test func oneListIsCutOffFromEveryoneElse() {
        var n = Network(shards: 4, nodes: 3, onset: .zero)
        _ = n.cut([[.shard(1)]], from: 0, until: 10, text: "shard-2")
        var rng = SeededRandom(seed: 1)
        #expect(!n.delivers(.node(0), .shard(1), at: 5, &rng))
        #expect(!n.delivers(.shard(1), .shard(2), at: 5, &rng))
        #expect(n.delivers(.shard(0), .shard(2), at: 5, &rng))
        #expect(n.delivers(.node(0), .shard(1), at: 10, &rng), "healed")
        #expect(n.isCut(.shard(1), at: 5) && !n.isCut(.shard(0), at: 5), "only the shard away from the coordinators shows as cut off")
    }

    @Test func sidesSplitThePlatformAndUnlistedMembersStayWithTheFirst() {
        var n = Network(shards: 4, nodes: 2, onset: .zero)
        _ = n.cut([[.shard(0), .shard(1)], [.shard(2), .shard(3), .node(1)]], from: 0, until: 10, text: "")
        var rng = SeededRandom(seed: 1)
        #expect(n.delivers(.node(0), .shard(1), at: 1, &rng))
        #expect(!n.delivers(.node(0), .shard(2), at: 1, &rng))
        #expect(n.delivers(.node(1), .shard(3), at: 1, &rng))
        #expect(!n.delivers(.shard(1), .shard(2), at: 1, &rng))
        #expect(!n.isCut(.shard(0), at: 1) && n.isCut(.shard(3), at: 1) && !n.isCut(.node(0), at: 1),
                "with one node on each side, the first side is the main one")
    }

    @Test func aPartitionComesDownOverItsOnset() {
        var n = Network(shards: 2, nodes: 1, onset: .milliseconds(500))
        _ = n.cut([[.shard(1)]], from: 0, until: 10_000_000, text: "shard-2")
        var rng = SeededRandom(seed: 7)
        func lossRate(at t: Int64) -> Double {
            Double((0..<10_000).filter { _ in !n.delivers(.node(0), .shard(1), at: t, &rng) }.count) / 10_000
        }
        #expect(lossRate(at: 0) < 0.01)
        #expect(abs(lossRate(at: 250_000) - 0.5) < 0.03)
        #expect(lossRate(at: 500_000) == 1)
    }
}

/// The ten-second latency window: percentiles over the closed seconds and
/// the one being filled, whether asked every frame or once a second.
@Suite struct LatencyWindowTests {
    /// A window asked between samples answers as a window built afresh
    /// from the same samples, seconds rolling out as they age past ten.
    @Test func askingBetweenSamplesAnswersAsAFreshWindow() {
        var asked = LatencyWindow()
        var rng = SeededRandom(seed: 7)
        var samples: [[Int64]] = []
        for second in 0..<25 {
            var this: [Int64] = []
            for i in 0..<(50 + second * 3) {
                let v = Int64(200 + rng.nextInt(below: 40_000)) * (second == 12 ? 10 : 1)
                asked.record(microseconds: v)
                this.append(v)
                if i % 7 == 0 {
                    var fresh = LatencyWindow()
                    for s in samples.suffix(LatencyWindow.seconds - 1) {
                        for x in s { fresh.record(microseconds: x) }
                        fresh.tick()
                    }
                    for x in this { fresh.record(microseconds: x) }
                    #expect(asked.milliseconds(percentiles: [0, 50, 99, 100]) == fresh.milliseconds(percentiles: [0, 50, 99, 100]),
                            "second \(second), sample \(i)")
                }
            }
            samples.append(this)
            asked.tick()
        }
        // Ten seconds without samples empty it.
        for _ in 0..<LatencyWindow.seconds { asked.tick() }
        #expect(asked.milliseconds(percentile: 99) == nil)
    }
}

/// The window's histogram answers as HdrHistogram's does, value for value.
@Suite struct SecondHistogramTests {
    @Test(arguments: [1, 2, 3, 4, 5])
    func itAnswersAsHdrHistogram(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        var ours = [SecondHistogram(), SecondHistogram()]
        var theirs = [Histogram<UInt32>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .two),
                      Histogram<UInt32>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .two)]
        let edges: [UInt64] = [0, 1, 2, 127, 128, 129, 255, 256, 257, 511, 512, 65_535, 65_536, 59_999_999, 60_000_000, 60_000_001, 80_000_000, 1 << 40]
        for i in 0..<5_000 {
            let k = i % 2
            let v: UInt64 = i < edges.count * 2 ? edges[i / 2]
                : UInt64(exp(Double(rng.nextInt(below: 1_000_000)) / 1_000_000 * log(70_000_000.0)))
            #expect(ours[k].record(v) == theirs[k].record(v), "recording \(v)")
            if i % 500 == 499 {
                for p in [0, 0.1, 1, 25, 50, 75, 90, 99, 99.9, 99.99, 100] {
                    #expect(ours[k].valueAtPercentile(p) == theirs[k].valueAtPercentile(p), "p\(p) after \(i) values")
                }
                #expect(ours[k].totalCount == theirs[k].totalCount)
            }
        }
        ours[0].add(ours[1])
        theirs[0].add(theirs[1])
        for p in [0, 1, 50, 99, 99.9, 100] { #expect(ours[0].valueAtPercentile(p) == theirs[0].valueAtPercentile(p), "merged p\(p)") }
        #expect(SecondHistogram().valueAtPercentile(99) == Histogram<UInt32>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .two).valueAtPercentile(99))
    }

    /// A window that takes seconds out (the console's merged window): every
    /// percentile, walked from whichever extreme is nearer, is the one a
    /// histogram of the values still in the window gives.
    @Test func aSlidingWindowAnswersAsItsRemainingValues() {
        var rng = SeededRandom(seed: 9)
        var seconds: [SecondHistogram] = []
        var values: [[UInt64]] = []
        var merged = SecondHistogram()
        for s in 0..<40 {
            var h = SecondHistogram(), vs: [UInt64] = []
            for _ in 0..<(s % 7 == 3 ? 0 : 1 + rng.nextInt(below: 400)) {
                let v = rng.chance(0.02) ? UInt64(rng.nextInt(below: 2)) : UInt64(exp(Double(rng.nextInt(below: 1_000_000)) / 1_000_000 * log(5_000_000.0)))
                h.record(v)
                vs.append(v)
            }
            seconds.append(h)
            values.append(vs)
            merged.add(h)
            if seconds.count > 10 {
                merged.subtract(seconds.removeFirst())
                values.removeFirst()
                merged.setExtremes(maxValue: seconds.map(\.maxValue).max() ?? 0, minNonZeroValue: seconds.map(\.minNonZeroValue).min() ?? .max)
            }
            var fresh = Histogram<UInt32>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .two)
            for v in values.joined() { fresh.record(v) }
            // The closed seconds and the newest read together, unmerged, as a `LatencyWindow` asks.
            var closed = SecondHistogram()
            for h in seconds.dropLast() { closed.add(h) }
            for p in [0, 0.1, 1, 10, 25, 49.9, 50, 50.1, 75, 90, 99, 99.9, 99.99, 100] {
                #expect(merged.valueAtPercentile(p) == fresh.valueAtPercentile(p), "p\(p) at second \(s)")
                #expect(SecondHistogram.valueAtPercentile(p, of: closed, plus: seconds.last!) == fresh.valueAtPercentile(p), "p\(p) of two at second \(s)")
            }
        }
    }
}
