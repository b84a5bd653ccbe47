import Foundation
import Testing
import PaySim
@testable import Console

/// A shared session's frames carry everything the console draws: a screen
/// drawn from a frame that went through the wire (and the flow put back
/// together from the frames' last seconds) is the screen drawn at the server.
@Suite struct SessionFrameTests {
    /// A platform with something in every panel: a drill's thresholds, a
    /// failed and a drained node, a crashed shard, a spike, a partition,
    /// operators' actions, the gateway slowed.
    static func busySimulation() -> Simulation {
        let sim = Simulation(config: SimulationConfig())
        sim.setThresholds([try! SLOThreshold.parse("payment.p99 < 300ms", groups: Simulation.groupNames),
                           try! SLOThreshold.parse("lag.wallet-credit < 30s", groups: Simulation.groupNames)])
        sim.advance(to: SimTime(microseconds: 40_000_000))
        for c: OperatorCommand in [.drainNode(2), .failNode(1), .spike(factor: 3, duration: .seconds(60), workload: .payment), .crashShard(1)] {
            try! sim.apply(c)
            sim.noteAction(c, who: "ana", via: "prompt")
        }
        try! sim.apply(CommandParser.parse("partition shard-3 | node-4 for 20s"))
        try! sim.apply(CommandParser.parse("gateway slow 5x"))
        return sim
    }

    func screens(_ s: MetricsSnapshot) -> [String] {
        var out: [String] = []
        for (w, h) in [(80, 24), (160, 48)] {
            var state = ConsoleState()
            state.flowRange = 2
            var screen = Screen(snapshot: s, state: state, theme: .monochromeBuiltIn, glyphs: .unicode, width: w, height: h)
            out.append(screen.render().text)
            for panel in ConsoleState.Panel.allCases {
                state.focus = panel
                state.zoomed = true
                var zoomed = Screen(snapshot: s, state: state, theme: .monochromeBuiltIn, glyphs: .unicode, width: w, height: h)
                out.append(zoomed.render().text)
            }
        }
        return out
    }

    @Test func aScreenFromFramesIsTheScreenAtTheServer() throws {
        let sim = SessionFrameTests.busySimulation()
        var flow = FlowAssembler()
        flow.reset(try BinaryCodec.decode([MetricsSnapshot.FlowHistory].self, from: BinaryCodec.encode(sim.snapshot().flow)))
        var last: SessionFrame?
        // Frames a few times a simulated second for half a minute more; the
        // whole flow only once, at the start.
        for step in 1...120 {
            sim.advance(to: SimTime(microseconds: 40_000_000 + Int64(step) * 250_000))
            let frame = SessionFrame(sequence: Int64(step), publishedMillis: 0, speed: 1, achievedSpeed: 1, state: "running",
                                     lastCommandID: nil, eventsLogged: sim.eventsLogged, live: sim.snapshot())
            var decoded = try SessionFrame.decode(frame.encoded())
            let whole = flow.merge(decoded.snapshot.flow)
            #expect(whole, "no second missing at step \(step)")
            decoded.snapshot.flow = flow.flow
            last = decoded
        }
        var remote = try #require(last).snapshot
        let local = sim.snapshot()
        // The event log travels as its own stream.
        #expect(remote.events.isEmpty)
        remote.events = local.events
        let a = screens(local), b = screens(remote)
        #expect(a.count == b.count)
        for i in a.indices where a[i] != b[i] {
            Issue.record("screen \(i) differs after the wire:\n\(a[i])\n---\n\(b[i])")
        }
        #expect(remote.thresholds == local.thresholds)
        #expect(remote.timeline == local.timeline)
        // Every second of the hour, p99's empty seconds (NaN) included.
        func bits(_ f: [MetricsSnapshot.FlowHistory]) -> [[UInt64]] {
            f.map { h in [h.offered, h.goodput, h.failed, h.p99].flatMap { $0.values.map(\.bitPattern) } + [UInt64(h.seconds)] }
        }
        let same = bits(remote.flow) == bits(local.flow)
        #expect(same, "the flow put back together differs from the server's")
    }

    @Test func aFrameIsCompactAndACutOneIsRefusedNotMisread() throws {
        let sim = SessionFrameTests.busySimulation()
        let frame = SessionFrame(sequence: 1, publishedMillis: 0, speed: 1, achievedSpeed: nil, state: "running",
                                 lastCommandID: "1-0", eventsLogged: 0, live: sim.snapshot(), withTraces: false)
        let bytes = try frame.encoded()
        // Without the hour of flow, the events and (but once a second) the traces: a few kilobytes.
        #expect(bytes.count < 8_000, "a frame is \(bytes.count) bytes")
        let withTraces = try SessionFrame(sequence: 10, publishedMillis: 0, speed: 1, achievedSpeed: nil, state: "running",
                                          lastCommandID: "1-0", eventsLogged: 0, live: sim.snapshot()).encoded()
        #expect(withTraces.count > bytes.count && withTraces.count < 64_000, "a frame with traces is \(withTraces.count) bytes")
        #expect(try SessionFrame.decode(bytes).snapshot.traces.isEmpty)
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            #expect(throws: (any Error).self) { try SessionFrame.decode(Array(bytes.prefix(cut))) }
        }
        var garbage = bytes
        garbage.append(0)
        #expect(throws: (any Error).self) { try SessionFrame.decode(garbage) }
    }

    @Test func theFlowAssemblerAsksForTheWholeHistoryWhenSecondsAreMissing() {
        var whole = MetricsSnapshot.FlowHistory()
        for v in 0..<30 { whole.offered.append(Double(v)); whole.goodput.append(1); whole.failed.append(0); whole.p99.append(2) }
        whole.seconds = 30
        var a = FlowAssembler()
        a.reset([whole])
        var later = whole
        for v in 30..<35 { later.offered.append(Double(v)); later.goodput.append(1); later.failed.append(0); later.p99.append(2) }
        later.seconds = 35
        let tail = SessionFrame(sequence: 1, publishedMillis: 0, speed: 1, achievedSpeed: nil, state: "running", lastCommandID: nil,
                                eventsLogged: 0, live: { var s = SessionFrameTests.busySimulation().snapshot(); s.flow = [later]; return s }())
        let merged = a.merge(tail.snapshot.flow)
        #expect(merged)
        #expect(a.flow[0].offered.values == (0..<35).map(Double.init))
        // Twenty seconds on: more than a frame repeats.
        var far = later
        for v in 35..<55 { far.offered.append(Double(v)); far.goodput.append(1); far.failed.append(0); far.p99.append(2) }
        far.seconds = 55
        let farFrame = SessionFrame(sequence: 2, publishedMillis: 0, speed: 1, achievedSpeed: nil, state: "running", lastCommandID: nil,
                                    eventsLogged: 0, live: { var s = SessionFrameTests.busySimulation().snapshot(); s.flow = [far]; return s }())
        let complete = a.merge(farFrame.snapshot.flow)
        #expect(!complete)
        #expect(a.flow[0].seconds == 35, "nothing is made up for the missing seconds")
    }
}

/// The console attached to a session: keys become commands on the user's
/// stream; pause and speed go to the control stream; an observer's are refused.
@Suite struct RemoteConsoleTests {
    final class FakeSession: RemoteSession {
        var sent: [(text: String, via: String, control: Bool)] = []
        var refuse: String?
        let snap = SessionFrameTests.busySimulation().snapshot()
        var observer = false
        func poll() -> Bool { false }
        var snapshot: MetricsSnapshot? { snap }
        var shape: PlatformShape { PlatformShape(nodes: 6, shards: 4) }
        var user: String { "ana" }
        var sessionName: String { "gd" }
        func send(_ text: String, via: String, control: Bool) -> String? {
            if let refuse { return refuse }
            sent.append((text, via, control))
            return nil
        }
        func takeAnswers() -> [(applied: Bool, text: String)] { [] }
        var speed: Double { 1 }
        var achievedSpeed: Double? { nil }
        var status: (text: String, severity: Severity) { ("● ana@gd lag 5ms", .info) }
    }

    @Test func keysAndCommandsGoToTheServer() {
        let fake = FakeSession()
        let c = ConsoleController(remote: fake)
        _ = c.displayed(fake.snap)
        c.handle(.character("d"))
        c.handle(.character(":"))
        for ch in "crash shard-2" { c.handle(.character(ch)) }
        c.handle(.enter)
        c.handle(.character(" "))
        c.handle(.character(">"))
        c.handle(.character(":"))
        for ch in "session stop" { c.handle(.character(ch)) }
        c.handle(.enter)
        #expect(fake.sent.map(\.text) == ["drain node-1", "crash shard-2", "pause", "speed 2", "stop"])
        #expect(fake.sent.map(\.control) == [false, false, true, true, true])
        #expect(fake.sent.map(\.via) == ["key", "prompt", "key", "key", "key"])
        #expect(c.state.notice?.text == "stop: sent to gd")
        // A node the session does not have is refused at its column, before sending.
        c.handle(.character(":"))
        for ch in "fail node-9" { c.handle(.character(ch)) }
        c.handle(.enter)
        #expect(c.state.promptError != nil)
        #expect(fake.sent.count == 5)
    }

    @Test func anObserverIsToldWhyNothingHappens() {
        let fake = FakeSession()
        fake.observer = true
        let c = ConsoleController(remote: fake)
        _ = c.displayed(fake.snap)
        c.handle(.character("d"))
        #expect(fake.sent.isEmpty)
        #expect(c.state.notice?.text.hasPrefix("observer: 'drain node-1' not applied") == true)
        var screen = Screen(snapshot: fake.snap, state: { var s = c.state; s.session = fake.status; return s }(), theme: .monochromeBuiltIn,
                            glyphs: .unicode, width: 160, height: 48)
        let text = screen.render().text
        #expect(text.contains("OBSERVER"))
        #expect(text.contains("● ana@gd lag 5ms"))
    }
}
