import Foundation
import Testing
import TestSupport

/// Input a hostile or careless person gives the real binary: each one gets
/// one clear line and exit 2, never a trap, a hang, raw control bytes on the
/// terminal or keys left behind.
@Suite struct HostileInputTests {
    static func file(_ text: String, _ name: String = UUID().uuidString) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("payops-\(getpid())-\(name)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Exit 2, one line on stderr that contains `fragment`, and no control byte but the newline.
    static func refused(_ args: [String], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try PayopsProcess.run(args)
        #expect(r.status == 2, "\(args): exit \(r.status), \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(fragment), "\(args): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(!r.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "\(args)", sourceLocation: sourceLocation)
        if !args.contains(where: { $0.lowercased().contains("nan") }) {
            #expect(!r.stderr.lowercased().contains("nan"), "\(args): \(r.stderr)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: ["1e-13", "5e-324", "1e-300", "0x1p-1000", "-1", "-0.5", "nan", "inf", "20000000"])
    func ratesOutOfRangeAreRefused(_ rate: String) throws {
        try Self.refused(["run", "--duration", "2s", "--rate", rate], "--rate: '\(rate)' is not a rate; expected requests per second: 0, or 0.001 to 10000000 tps")
    }

    @Test func itSaysItsVersionAndWritesCompletionScripts() throws {
        let v = try PayopsProcess.run(["--version"])
        #expect(v.status == 0 && v.stdout.hasPrefix("payops ") && v.stdout.split(separator: "\n").count == 1, "\(v.stdout)")
        for shell in ["bash", "zsh", "fish"] {
            let c = try PayopsProcess.run(["--generate-completion-script", shell])
            #expect(c.status == 0 && c.stdout.contains("payops") && c.stdout.contains("duration"), "\(shell)")
        }
    }

    /// Copied out of the build folder, as anyone installs a tool, the
    /// binary still has its themes.
    @Test func aCopiedBinaryHasItsThemes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("payops-copy-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("payops")
        // Copied by cp, not by this process: a write descriptor open here
        // could leak into a child another test forks, and exec would fail
        // with "text file busy".
        let cp = Process()
        cp.executableURL = URL(fileURLWithPath: "/bin/cp")
        cp.arguments = [PayopsProcess.binary.path, copy.path]
        try cp.run()
        cp.waitUntilExit()
        try #require(cp.terminationStatus == 0)
        let p = Process()
        p.executableURL = copy
        p.arguments = ["themes"]
        p.currentDirectoryURL = dir
        p.environment = ["HOME": dir.path, "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        for name in ["default", "light", "high-contrast", "colorblind", "monochrome"] {
            #expect(text.contains(" built-in  built-in:\(name).toml"), "\(text)")
        }
        #expect(!text.contains("no theme files found"))
    }

    @Test(arguments: [
        (["--refund-rate", "2"], "--refund-rate: '2' is not a share; expected a percentage like 2% (0% to 100%)"),
        (["--chargeback-rate", "101%"], "--chargeback-rate: '101%' is not a share"),
        (["--settlement-fail-rate", "nan%"], "--settlement-fail-rate: 'nan%' is not a share"),
        (["--settlement-lag", "0s"], "--settlement-lag: 0s is out of range; expected 1s to 24h"),
        (["--capture-window", "25h"], "--capture-window: 25h is out of range; expected 1s to 24h"),
        (["--payout-interval", "soon"], "--payout-interval:"),
    ])
    func lifecycleFlagsOutOfRangeAreRefused(_ flag: [String], _ fragment: String) throws {
        try Self.refused(["run", "--duration", "2s"] + flag, fragment)
    }

    @Test(arguments: [
        ("at 1s rate 1e-300", "1:12:", "0, or 0.001 to 10000000 tps"),
        ("at 1s spike 1e-300x for 5s", "1:13:", "(0.001x to 1000x)"),
        ("at 1s spike 5x for 9223372036854775807us", "1:20:", "up to 24h"),
        ("at 1s partition shard-2 for 9223372036854775807us", "1:29:", "up to 24h"),
        ("at 1s pause", "1:7:", "acts on the console's clock"),
    ])
    func scenarioLinesThatUsedToTrapAreRefusedAtTheirColumn(_ line: String, _ position: String, _ fragment: String) throws {
        let path = try Self.file(line + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.refused(["run", "--duration", "5s", "--scenario", path], path + ":" + position)
        try Self.refused(["run", "--duration", "5s", "--scenario", path], fragment)
    }

    @Test(arguments: [
        (["--lambda", "1e-12", "--mu", "1", "--servers", "1", "--customers", "10"], "--lambda: expected an arrival rate"),
        (["--lambda", "0.000001", "--mu", "0.000001", "--servers", "2", "--customers", "20000000"], "--lambda: expected an arrival rate"),
        (["--lambda", "0.001", "--mu", "0.001", "--servers", "2", "--customers", "100000000"], "--customers: 100000000 customers"),
        (["--servers", "100000", "--mu", "1e308", "--customers", "100"], "--mu: expected a service rate"),
    ])
    func queueBenchBoundsItsInputs(_ args: [String], _ fragment: String) throws {
        try Self.refused(["bench", "mmc"] + args, fragment)
    }

    @Test func theFramesBenchBuildsFramesAndBoundsItsInputs() throws {
        let r = try PayopsProcess.run(["bench", "frames", "--frames", "30", "--size", "120x40", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let out = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(out?["frames"] as? Int == 30 && out?["width"] as? Int == 120 && out?["height"] as? Int == 40)
        let build = out?["build"] as? [String: Any]
        #expect((build?["mean_ms"] as? Double ?? 0) > 0, "a frame takes time to build: \(r.stdout)")
        // The first frame writes the whole screen, so cells change.
        #expect((out?["cells_changed_per_frame"] as? Double ?? 0) >= 120.0 * 40 / 30, "\(r.stdout)")
        try Self.refused(["bench", "frames", "--size", "10x10"], "--size: '10x10' is not a screen size; expected COLUMNSxROWS from 80x24 to 1000x500")
        try Self.refused(["bench", "frames", "--size", "wide"], "--size: 'wide' is not a screen size")
        try Self.refused(["bench", "frames", "--frames", "0"], "--frames: expected 1...100000, got 0")
        try Self.refused(["bench", "frames", "--fps", "61"], "--fps: 61 is out of range; expected 1 to 60")
    }

    @Test func anUnboundedRunIsRefusedAndUnitsReadInAnyCase() throws {
        try Self.refused(["run", "--duration", "99999999h"], "--duration: 99999999h is out of range; expected more than 0s and up to 24h")
        let r = try PayopsProcess.run(["run", "--duration", "2S"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("2s of arrivals"))
    }

    @Test func filesThatAreNotRegularFilesAreNamedForWhatTheyAre() throws {
        try Self.refused(["run", "--scenario", "/dev/null"], "--scenario: /dev/null: is a character device")
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("payops-\(getpid())-fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: fifo) }
        try Self.refused(["run", "--scenario", fifo], "\(fifo): is a pipe (FIFO), not a regular file")
        let a = FileManager.default.temporaryDirectory.appendingPathComponent("payops-\(getpid())-loop-a").path
        let b = FileManager.default.temporaryDirectory.appendingPathComponent("payops-\(getpid())-loop-b").path
        try? FileManager.default.removeItem(atPath: a)
        try? FileManager.default.removeItem(atPath: b)
        try FileManager.default.createSymbolicLink(atPath: a, withDestinationPath: b)
        try FileManager.default.createSymbolicLink(atPath: b, withDestinationPath: a)
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        try Self.refused(["run", "--scenario", a], "\(a): a loop of symbolic links")
        try Self.refused(["run", "--scenario", FileManager.default.temporaryDirectory.path], "is a directory, not a file")
        try Self.refused(["--theme", "nosuch"], "payops: --theme: no theme named 'nosuch'; themes are")
        try Self.refused(["--theme", "/nonexistent/x.toml"], "--theme: /nonexistent/x.toml: cannot read the theme: no such file")
    }

    @Test func controlCharactersFromFilesNeverReachTheTerminal() throws {
        let path = try Self.file("at 1s sp\u{1B}]0;owned\u{07}ike\u{00} 5x for 1s\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.refused(["run", "--scenario", path], "unknown command 'sp\\u{1B}]0;owned\\u{7}ike\\u{0}'")
        // A user theme whose name and description try to retitle the terminal.
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("payops-\(getpid())-xdg")
        let themes = config.appendingPathComponent("payops/themes")
        try FileManager.default.createDirectory(at: themes, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: config) }
        try "name = \"evil\"\ndescription = \"\u{1B}]2;owned\u{07}bright\"\n[colors]\ntext = \"#ffffff\"\n"
            .write(to: themes.appendingPathComponent("evil.toml"), atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["XDG_CONFIG_HOME"] = config.path
        let r = try PayopsProcess.run(["themes"], environment: env)
        #expect(r.status == 0)
        #expect(r.stdout.contains("evil"))
        #expect(!r.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "\(r.stdout)")
    }

    @Test func hugeInputIsCutAndRepeatsSummarised() throws {
        // One long line: its token is echoed cut, not whole.
        let long = try Self.file("at 1s " + String(repeating: "x", count: 500_000) + "\n")
        defer { try? FileManager.default.removeItem(atPath: long) }
        let r = try PayopsProcess.run(["run", "--scenario", long])
        #expect(r.status == 2)
        #expect(r.stderr.count < 3_000, "\(r.stderr.count) characters")
        #expect(r.stderr.contains("…"))
        // More than a scenario may hold: refused by its size.
        let big = try Self.file(String(repeating: "# filler\n", count: 200_000))
        defer { try? FileManager.default.removeItem(atPath: big) }
        try Self.refused(["run", "--scenario", big], "is 1,800,000 bytes; at most 1,048,576 are read")
        // A thousand steps after the run's end: three lines and a count.
        let late = try Self.file((1...1_000).map { "at \(100 + $0)s spike 2x for 1s" }.joined(separator: "\n"))
        defer { try? FileManager.default.removeItem(atPath: late) }
        let l = try PayopsProcess.run(["run", "--duration", "2s", "--scenario", late])
        #expect(l.status == 0)
        #expect(l.stderr.split(separator: "\n").count == 4, "\(l.stderr)")
        #expect(l.stderr.contains("997 more steps after the run's 2s of arrivals will not run"))
    }

    @Test func aNegativeValueGetsTheFlagsOwnMessage() throws {
        try Self.refused(["run", "--duration", "2s", "--shards", "-3"], "--shards: -3 is out of range; expected 1 to 64")
        try Self.refused(["console", "--speed", "-2"], "--speed: -2.0 is out of range; expected 0.1 to 100")
    }

    @Test func frameStatsIsCheckedBeforeTheScreenIsTaken() throws {
        try Self.refused(["--frame-stats", "/nonexistent/dir/frames.txt"], "--frame-stats: cannot write '/nonexistent/dir/frames.txt'")
    }

    @Test func cacheBenchRefusesImpossibleBatchesAndSendsExactlyItsOps() throws {
        try Self.refused(["bench", "cache", "--cache", "redis://127.0.0.1:1", "--ops", "1000", "--batch", "100000"],
                         "--batch: 100000 commands per round trip is more than the 1000 --ops to send")
        let server = try RedisServer()
        let r = try PayopsProcess.run(["bench", "cache", "--cache", server.url, "--ops", "1500", "--batch", "1000", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"ops\":1500"), "\(r.stdout)")
        #expect(r.stdout.contains("\"round_trips\":2"), "\(r.stdout)")
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func cacheBenchStoppedBySignalRemovesItsKeys(_ signal: Int32) throws {
        let server = try RedisServer()
        let p = Process()
        p.executableURL = PayopsProcess.binary
        p.arguments = ["bench", "cache", "--cache", server.url, "--ops", "100000000"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, (try? RedisEndToEndTests.keys(server).count) ?? 0 == 0 { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try RedisEndToEndTests.keys(server).count > 0, "the bench wrote keys")
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 128 + signal)
        #expect(stderr.contains("stopped by SIG"), "\(stderr)")
        #expect(try RedisEndToEndTests.keys(server).isEmpty, "the bench removed its keys")
    }

    @Test func aServerThatNeverAnswersIsReportedAsTimedOut() throws {
        let server = try RedisServer()
        server.pause()
        defer { server.resume() }
        try Self.refused(["run", "--duration", "1s", "--cache", server.url], "timed out")
    }
}
