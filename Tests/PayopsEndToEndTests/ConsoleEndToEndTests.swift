import Foundation
import Testing

/// The real binary in a real (tmux) terminal.
@Suite(.serialized) struct ConsoleEndToEndTests {
    /// The console's command line inside the pane; the shell reports how it ended.
    static func command(_ args: String = "", env: String = "") -> String {
        // NO_COLOR is cleared: test runners set it for their own output.
        "env -u NO_COLOR LANG=C.UTF-8 \(env) \(PayopsProcess.binary.path) --seed 42 \(args); echo EXIT=$?"
    }

    static let panels = ["Transactions", "Cache", "Nodes", "Queues", "Shards", "Events"]

    /// A drill on screen: its steps run at their times, marked in the event
    /// log, its progress and next step in the header, its threshold watched.
    @Test func theConsoleFollowsADrill() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("payops-\(getpid())-drill.scenario").path
        try "# A short drill.\nslo error_rate < 50%\nat 1s cache flush\nat 1h drain node-2\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let t = try Tmux(width: 160, height: 40, command: ConsoleEndToEndTests.command("--scenario \(file) --speed 5"))
        try t.waitFor("drill ▲ cache flush")
        let screen = try t.waitFor("1/2 ▲ 01:00:00 drain node-2")
        #expect(screen.contains("SLO ✓ 1/1"))
        try t.keys("q")
        try t.waitFor("EXIT=0")
    }

    /// Time travel with the keys: z freezes, [ and { step back, any key is live again.
    @Test func timeTravelKeys() throws {
        let t = try Tmux(width: 120, height: 34, command: ConsoleEndToEndTests.command("--speed 10"))
        // A simulated second is a tenth of a wall second here: wait for a whole band of them.
        try t.wait("a quarter minute in") { $0.contains("00:00:2") || $0.contains("00:00:3") }
        try t.keys("z")
        try t.waitFor("frozen: [ ] step a second")
        try t.keys("{")
        // The live platform runs on, so how far behind grows; at least the ten seconds stepped.
        try t.wait("ten seconds back") { screen in
            guard let header = screen.split(separator: "\n").first, let r = header.range(of: "⏸ −") else { return false }
            let behind = header[r.upperBound...].prefix(5).split(separator: ":").compactMap { Int($0) }
            return behind.count == 2 && behind[0] * 60 + behind[1] >= 10
        }
        try t.keys("x")
        try t.wait("live again") { !$0.contains("⏸") && $0.contains("live") }
        try t.keys("q")
        try t.waitFor("EXIT=0")
    }

    @Test func operatorSession() throws {
        let t = try Tmux(width: 120, height: 34, command: ConsoleEndToEndTests.command())
        // Every panel, and figures that move.
        let first = try t.wait("every panel") { s in ConsoleEndToEndTests.panels.allSatisfy { s.contains("┌ \($0) ") } && s.contains("node-6") }
        #expect(first.contains("ledger ✓ balanced"))
        #expect(first.contains(" payops "))

        // Drain node-3: it finishes what it has and shows drained at zero.
        try t.keys("j", "j", "d")
        try t.wait("node-3 drained at zero") { $0.contains("node-3  ◐ drained") && $0.contains("0/32") }
        try t.waitFor("node-3 drained: nothing in flight")

        // Fail node-4 (confirmed with y): marked down after the health checks.
        try t.keys("j", "f")
        try t.waitFor("fail node-4?")
        try t.keys("y")
        try t.waitFor("node-4 failed:")
        try t.waitFor("node-4 failed its health check 3/3: marked down", seconds: 20)
        try t.waitFor("node-4  ✖ down")

        // Help opens and any key closes it.
        try t.keys("?")
        try t.waitFor("this help (any key closes it)")
        try t.keys("x")
        try t.wait("help closed") { !$0.contains("this help") }

        // A command at the prompt acts at once.
        try t.keys(":")
        try t.type("crash shard-2")
        try t.keys("Enter")
        try t.waitFor("shard-2 crashed (operator)")
        try t.waitFor("shard-2  ✖ down")

        // A bad one is refused in place, with its column.
        try t.keys(":")
        try t.type("drain nod-3")
        try t.keys("Enter")
        let bad = try t.waitFor("column 7: expected a node like node-3, found 'nod-3'")
        #expect(bad.split(separator: "\n").contains { $0.hasPrefix("       ^") })
        try t.keys("Escape")

        // Resizing re-lays the screen; too small says so; back again is whole.
        try t.resize(80, 24)
        try t.wait("the 80×24 layout") { s in ConsoleEndToEndTests.panels.allSatisfy { s.contains("┌ \($0) ") } }
        try t.resize(60, 20)
        try t.waitFor("have 60×20, need 80×24")
        try t.resize(160, 48)
        try t.wait("the 160×48 layout") { s in ConsoleEndToEndTests.panels.allSatisfy { s.contains("┌ \($0) ") } && s.contains(" decl ") }

        // Quit: the process ends cleanly and the terminal is restored.
        try t.keys("q")
        let after = try t.waitFor("EXIT=0")
        #expect(!after.contains("Transactions"), "the console's screen is gone")
    }

    /// An observer's keys change nothing and say so; the flow chart's keys still work.
    @Test func anObserverSessionAndTheFlowChart() throws {
        let t = try Tmux(width: 120, height: 36, command: ConsoleEndToEndTests.command("--read-only"))
        let first = try t.wait("every panel and the flow chart") { s in
            (ConsoleEndToEndTests.panels + ["Flow all · 1m"]).allSatisfy { s.contains("┌ \($0) ") } && s.contains("node-6")
        }
        #expect(first.contains("READ-ONLY"))
        try t.keys("d")
        try t.waitFor("read-only: 'drain node-1' not applied")
        try t.keys(":")
        try t.type("crash shard-2")
        try t.keys("Enter")
        try t.waitFor("read-only: 'crash shard-2' not applied")
        #expect(!(try t.screen()).contains("✖ down"))
        try t.keys("w")
        try t.waitFor("┌ Flow all · 10m ")
        try t.keys("v")
        try t.waitFor("┌ Flow payment · 10m ")
        try t.keys("q")
        let after = try t.waitFor("EXIT=0")
        #expect(!after.contains("Transactions") && !after.contains("Flow"), "the console's screen is gone")
    }

    /// A config.toml with rebound keys and a layout of one's own works end
    /// to end; a malformed one is reported with its position and the rest
    /// of the console runs on the defaults.
    @Test func aConfigFileRebindsKeysAndLaysOutPanels() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("payops-config-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))")
        defer { try? FileManager.default.removeItem(at: home) }
        try FileManager.default.createDirectory(at: home.appendingPathComponent("payops"), withIntermediateDirectories: true)
        let file = home.appendingPathComponent("payops/config.toml")
        try """
        [keys]
        drain = "D"
        freeze = "Z"

        [layout.wide]
        rows = ["nodes:2 events", "queues"]
        """.write(to: file, atomically: true, encoding: .utf8)
        let t = try Tmux(width: 140, height: 40, command: ConsoleEndToEndTests.command(env: "XDG_CONFIG_HOME=\(home.path)"))
        let first = try t.wait("the layout of the file") { $0.contains("┌ Nodes ") && $0.contains("┌ Queues ") && $0.contains("node-6") }
        #expect(!first.contains("┌ Transactions ") && !first.contains("┌ Flow "), "panels the file leaves out")
        try t.keys("d")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(!(try t.screen()).contains("draining"), "d is no longer drain")
        try t.keys("D")
        try t.waitFor("drain node-1")
        try t.keys("Z")
        try t.waitFor("⏸ −")
        try t.keys("Escape")
        try t.keys("?")
        try t.waitFor("drain the selected node  (config)")
        try t.keys("q")
        try t.keys("q")
        try t.waitFor("EXIT=0")

        // A malformed file: the console says where, and runs on the defaults.
        try "fps = 10\n[keys]\nspike = \"ctrl-x\"\n".write(to: file, atomically: true, encoding: .utf8)
        let bad = try Tmux(width: 140, height: 40, command: ConsoleEndToEndTests.command(env: "XDG_CONFIG_HOME=\(home.path)"))
        try bad.waitFor("config.toml:3:9: 'ctrl-x' is not a key")
        try bad.keys("s")
        try bad.waitFor("spike 5x for 30s")
        try bad.keys("q")
        try bad.waitFor("EXIT=0")
        let shown = try PayopsProcess.run(["config"], environment: ProcessInfo.processInfo.environment.merging(["XDG_CONFIG_HOME": home.path]) { $1 })
        #expect(shown.status == 1)
        #expect(shown.stderr.contains("config.toml:3:9: 'ctrl-x' is not a key"), "\(shown.stderr)")
        #expect(shown.stdout.contains("spike = \"s\"") && shown.stdout.contains("fps = 10"), "\(shown.stdout)")
    }

    /// `t` on a real terminal: the sampled traces, a waterfall, back out;
    /// nothing on the way shows a card number whole.
    @Test func traceOneTransaction() throws {
        let t = try Tmux(width: 120, height: 36, command: ConsoleEndToEndTests.command("--speed 5"))
        try t.waitFor("node-6")
        Thread.sleep(forTimeInterval: 3)
        try t.keys("t")
        try t.waitFor("┌ Traces · [latest]")
        try t.keys("Tab")
        let slowest = try t.waitFor("[slowest 1m]")
        #expect(slowest.contains("453201******"), "slowest are top-ups, their cards masked")
        try t.keys("Enter")
        let fall = try t.waitFor("answered:")
        #expect(fall.contains("card call from node-") && fall.contains("balancer"))
        for screen in [slowest, fall] { #expect(screen.firstMatch(of: try Regex("[0-9]{13,}")) == nil) }
        try t.keys("Escape")
        try t.keys("Escape")
        try t.wait("the panels again") { $0.contains("┌ Nodes ") }
        try t.keys("q")
        try t.waitFor("EXIT=0")
    }

    /// The console in a 100×30 pane, started through a shell that writes
    /// down its pid (the shell then becomes the console), once its panels show.
    static func consoleWithPID(_ name: String, args: String = "") throws -> (Tmux, pid_t) {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("payops-\(getpid())-\(name).pid").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let t = try Tmux(width: 100, height: 30, command:
            "env -u NO_COLOR LANG=C.UTF-8 sh -c 'echo $$ > \(pidFile); exec \(PayopsProcess.binary.path)\(args)'; echo EXIT=$?")
        try t.waitFor("┌ Nodes ")
        let text = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return (t, try #require(pid_t(text)))
    }

    @Test func sigtermRestoresTheTerminal() throws {
        let (t, pid) = try ConsoleEndToEndTests.consoleWithPID("console")
        #expect(kill(pid, SIGTERM) == 0)
        let after = try t.waitFor("EXIT=")
        #expect(after.contains("EXIT=0"))
        #expect(!after.contains("┌ Nodes "))
    }

    /// Stopped and continued (Ctrl-Z, fg), the console draws its whole
    /// screen again: what was written over it meanwhile is gone, not only
    /// the cells that changed since.
    @Test func aStoppedConsoleRedrawsWhenContinued() throws {
        let (t, pid) = try ConsoleEndToEndTests.consoleWithPID("stopped", args: " --seed 42")
        #expect(kill(pid, SIGSTOP) == 0)
        // Something else writes over the screen while it is stopped.
        let tty = try t.run(["display-message", "-p", "-t", t.session, "#{pane_tty}"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let garbage = "\u{1b}[5;3HSCRIBBLE\u{1b}[17;40HSCRIBBLE"
        try garbage.write(toFile: tty, atomically: false, encoding: .utf8)
        try t.waitFor("SCRIBBLE")
        #expect(kill(pid, SIGCONT) == 0)
        let after = try t.wait("the scribbles drawn over") { !$0.contains("SCRIBBLE") && $0.contains("┌ Nodes ") }
        #expect(after.contains("┌ Transactions"))
        try t.keys("q")
        try t.waitFor("EXIT=0")
    }

    @Test func noColorDrawsWithoutColourButWithEmphasis() throws {
        let plain = try Tmux(width: 100, height: 30, command: ConsoleEndToEndTests.command(env: "NO_COLOR=1"))
        try plain.waitFor("┌ Nodes ")
        Thread.sleep(forTimeInterval: 1)
        let mono = try plain.screen(escapes: true)
        #expect(!mono.contains("\u{1b}[38;5;") && !mono.contains("\u{1b}[38;2;"), "no 256-colour or direct colour")
        #expect(mono.range(of: "\u{1b}\\[[0-9;]*3[1-7]m", options: .regularExpression) == nil, "no 8-colour foreground")
        #expect(mono.contains("\u{1b}[1m") || mono.contains(";1m"), "bold for emphasis")
        #expect(mono.contains("\u{1b}[7m") || mono.contains(";7m"), "reverse for the selection and title")

        let colour = try Tmux(width: 100, height: 30, command: ConsoleEndToEndTests.command(env: "TERM=xterm-256color"))
        try colour.waitFor("┌ Nodes ")
        Thread.sleep(forTimeInterval: 1)
        let coloured = try colour.screen(escapes: true)
        #expect(coloured.contains("38;5;"), "the default theme in 256 colours: \(coloured.prefix(300).debugDescription)")
    }

    @Test func asciiFallbackInACLocale() throws {
        let t = try Tmux(width: 100, height: 30, command: "env LANG=C LC_ALL=C \(PayopsProcess.binary.path); echo EXIT=$?")
        let s = try t.waitFor("+ Nodes ")
        #expect(s.contains("o up"))
        #expect(!s.contains("┌") && !s.contains("●"))
        try t.keys("q")
        try t.waitFor("EXIT=0")
    }

    @Test func brokenThemeFlagExitsTwoWithItsPosition() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("payops-\(getpid())-broken.toml").path
        try "name = \"broken\"\n[colors]\ntext = \"#12\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try PayopsProcess.run(["--theme", path])
        #expect(r.status == 2)
        #expect(r.stderr == "payops: --theme: \(path):3:8: '#12' is not a colour; expected #rrggbb, like #2b83ba\n")
        let missing = try PayopsProcess.run(["--theme", "neon"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no theme named 'neon'"))
    }

    @Test func withoutATerminalItPointsToRun() throws {
        let r = try PayopsProcess.run([])
        #expect(r.status == 2)
        #expect(r.stderr == "payops: the console needs a terminal; for a headless run use 'payops run'\n")
    }

    @Test func themesListsWhereEachComesFrom() throws {
        let r = try PayopsProcess.run(["themes"], environment: ["XDG_CONFIG_HOME": "/nonexistent", "PATH": "/usr/bin:/bin"])
        #expect(r.status == 0)
        for name in ["default", "light", "high-contrast", "colorblind", "monochrome"] {
            #expect(r.stdout.contains(name + " "), "\(name)")
        }
        #expect(r.stdout.contains("shipped"))
        #expect(r.stdout.contains("user themes: /nonexistent/payops/themes"))
    }

    @Test func aTerminalThatCannotMoveItsCursorIsRefused() throws {
        let t = try Tmux(width: 100, height: 30, command: "env TERM=dumb LANG=C.UTF-8 \(PayopsProcess.binary.path); echo EXIT=$?")
        let text = try t.waitFor("EXIT=2")
        #expect(text.contains("payops: this terminal (TERM=dumb) cannot move its cursor"))
    }

    @Test func aLongRunShowsItsProgressOnATerminal() throws {
        let t = try Tmux(width: 140, height: 10, command: "\(PayopsProcess.binary.path) run --duration 3h > /dev/null; echo EXIT=$?")
        let shown = try t.wait("progress", seconds: 20) { $0.contains("payops: simulated ") && $0.contains(" of 03:00:00 (") }
        #expect(shown.contains("s of wall time"))
        try t.keys("C-c")
        let after = try t.waitFor("EXIT=130")
        #expect(after.contains("stopped by SIGINT"))
    }
}
