import Foundation
import Testing
import PaySim
@testable import Console

/// The frame loop on a scripted terminal: a frame is built only when
/// something it shows has changed, so a paused console costs nothing.
@Suite(.serialized) struct FrameLoopTests {
    /// Waits out each read's timeout (as a terminal with no key would), and
    /// hands out the scripted keys once their wall time has come.
    final class ScriptedTerminal: TerminalBackend {
        let width = 120, height = 36
        var script: [(at: Double, key: KeyEvent)]
        let start = Date()
        /// When each frame was shown, in seconds from the start.
        var presented: [Double] = []
        init(_ script: [(at: Double, key: KeyEvent)]) { self.script = script }
        var elapsed: Double { Date().timeIntervalSince(start) }
        var reads = 0
        func readKey(timeoutMilliseconds: Int) -> KeyEvent? {
            reads += 1
            if let next = script.first, next.at <= elapsed {
                script.removeFirst()
                return next.key
            }
            let wait = min(Double(timeoutMilliseconds) / 1_000, max(0, (script.first?.at ?? .infinity) - elapsed))
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            return nil
        }
        func present(_ canvas: Canvas) { presented.append(elapsed) }
        func restore() {}
    }

    func app(_ terminal: ScriptedTerminal) -> ConsoleApp {
        var c = SimulationConfig()
        c.customers = 2_000
        let controller = ConsoleController(simulation: Simulation(config: c))
        return ConsoleApp(controller: controller, terminal: terminal, theme: .monochromeBuiltIn, glyphs: .unicode, fps: 20)
    }

    /// Running, every frame time shows a new frame; paused for 1.5 s at
    /// 20 fps, none is built, yet the keys pressed while paused still draw
    /// at once.
    @Test func aPausedConsoleBuildsNoFrames() {
        let running = ScriptedTerminal([(1.0, .character("q"))])
        let live = app(running)
        live.run()
        #expect(live.framesDrawn >= 10, "running: \(live.framesDrawn) frames in 1 s at 20 fps")
        #expect(live.framesSkipped <= 2)

        let paused = ScriptedTerminal([(0.2, .character(" ")), (1.0, .character("c")), (1.7, .character("q"))])
        let still = app(paused)
        still.run()
        #expect(still.controller.simulation!.paused)
        // The first frame, the four or five frames before the pause, the
        // pause key's, the one after it (the achieved speed goes) and the
        // flush key's: never the 30 frame times while paused.
        #expect(still.framesDrawn <= 10, "paused: \(still.framesDrawn) frames drawn, \(still.framesSkipped) skipped")
        #expect(still.framesSkipped >= 20)
        #expect(still.controller.simulation!.actions.map(\.command).contains("cache flush"))
        #expect(paused.presented.contains { $0 >= 1.0 && $0 < 1.1 }, "the key pressed while paused drew at once: \(paused.presented)")
        #expect(!paused.presented.contains { $0 >= 0.35 && $0 < 0.95 }, "nothing drawn while paused and untouched: \(paused.presented)")
        #expect(paused.presented.count == still.framesDrawn)
        // Between frames the loop sleeps in the terminal's read; it does not
        // spin on reads that wait for nothing (about one read a frame time).
        #expect(paused.reads < 120, "\(paused.reads) reads in 1.7 s at 20 fps")
    }
}
