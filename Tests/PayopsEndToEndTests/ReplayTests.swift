import Foundation
import PaySim
import Testing

/// `--record` and `payops replay`: the same run again, byte for byte.
@Suite struct ReplayTests {
    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("payops-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))-\(name)").path
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// Writes the recording with one line replaced.
    static func edited(_ path: String, line: Int, _ change: (String) -> String) throws -> String {
        var l = try lines(path)
        l[line - 1] = change(l[line - 1])
        let out = temporary("edited.jsonl")
        try (l.joined(separator: "\n") + "\n").write(toFile: out, atomically: true, encoding: .utf8)
        return out
    }

    @Test func aHeadlessRunReplaysToTheSameReportByteForByte() throws {
        let file = ReplayTests.temporary("run.jsonl")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let args = ["--duration", "75s", "--seed", "11", "--rate", "1500", "--scenario", "gateway-brownout", "--slo", "payment.p99 < 300ms"]
        let run = try PayopsProcess.run(["run"] + args + ["--record", file])
        let replay = try PayopsProcess.run(["replay", file])
        #expect(run.status == replay.status)
        #expect(!run.stdout.isEmpty)
        #expect(run.stdout == replay.stdout)
        let json = try PayopsProcess.run(["run"] + args + ["--json"])
        let replayJSON = try PayopsProcess.run(["replay", file, "--json"])
        #expect(json.stdout == replayJSON.stdout)
        let check = try PayopsProcess.run(["replay", file, "--check"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.hasPrefix("replay matches the recording"))
        // The drill's steps are in the recording, marked as the drill's.
        let recorded = try ReplayTests.lines(file)
        #expect(recorded.first?.contains("\"kind\":\"run\"") == true)
        #expect(recorded.contains { $0.contains("\"origin\":\"drill\"") && $0.contains("gateway slow") })
        #expect(recorded.last?.contains("\"ending\":\"arrivals-ended\"") == true)
    }

    @Test func aRunStoppedAtItsFirstBreachReplaysTheSameWay() throws {
        let file = ReplayTests.temporary("abort.jsonl")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try PayopsProcess.run(["run", "--duration", "2m", "--seed", "3", "--slo", "payment.p99 < 1ms over 5s", "--abort-on-breach", "--json", "--record", file])
        #expect(run.status == 3)
        #expect(try ReplayTests.lines(file).last?.contains("\"ending\":\"stopped-on-breach\"") == true)
        let replay = try PayopsProcess.run(["replay", file, "--json"])
        #expect(replay.status == 3)
        #expect(replay.stdout == run.stdout)
        #expect(replay.stdout.contains("aborted_on_breach_at_s"))
        #expect(try PayopsProcess.run(["replay", file, "--check"]).status == 0)
    }

    @Test func checkReportsTheFirstDifferenceOfAnEditedRecording() throws {
        let file = ReplayTests.temporary("edit.jsonl")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let scenario = ReplayTests.temporary("steps.scenario")
        defer { try? FileManager.default.removeItem(atPath: scenario) }
        try "at 5s drain node-2\nat 10s rate 1800\n".write(toFile: scenario, atomically: true, encoding: .utf8)
        #expect(try PayopsProcess.run(["run", "--duration", "20s", "--seed", "4", "--scenario", scenario, "--record", file]).status == 0)
        let lines = try ReplayTests.lines(file)
        let drain = try #require(lines.firstIndex { $0.contains("\"type\":\"action\"") && $0.contains("drain node-2") }) + 1
        // Who did it: the replay makes the same run, but the report names someone else.
        let who = try ReplayTests.edited(file, line: drain) { $0.replacingOccurrences(of: "\"who\":\"drill\"", with: "\"who\":\"mallory\"").replacingOccurrences(of: "\"via\":\"drill line 1\"", with: "\"via\":\"prompt\"").replacingOccurrences(of: "\"origin\":\"drill\"", with: "\"origin\":\"prompt\"") }
        defer { try? FileManager.default.removeItem(atPath: who) }
        // Now an operator's action at the drill's own point: the drill does it too, so the run differs.
        let r = try PayopsProcess.run(["replay", who, "--check"])
        #expect(r.status == 1)
        #expect(r.stdout.hasPrefix("replay differs from the recording: "), "\(r.stdout)\(r.stderr)")
        // The final report itself edited: the first figure that differs is named.
        let end = lines.count
        let report = try ReplayTests.edited(file, line: end) { $0.replacingOccurrences(of: "\"rate_tps_base\":1000", with: "\"rate_tps_base\":999") }
        defer { try? FileManager.default.removeItem(atPath: report) }
        let r2 = try PayopsProcess.run(["replay", report, "--check"])
        #expect(r2.status == 1)
        #expect(r2.stdout == "replay differs from the recording: run.rate_tps_base: recorded 999, replayed 1000\n")
        // An action moved to a point the run never passes through.
        let moved = try ReplayTests.edited(file, line: drain) { line in
            line.replacingOccurrences(of: #""event":(\d+)"#, with: "\"event\":1", options: .regularExpression)
        }
        defer { try? FileManager.default.removeItem(atPath: moved) }
        let r3 = try PayopsProcess.run(["replay", moved, "--check"])
        #expect(r3.status == 1)
        #expect(r3.stdout.contains(":\(drain): the recording has its next point at 00:00:05 (event 1)"), "\(r3.stdout)")
    }

    @Test func toScenarioRoundTrips() throws {
        let file = ReplayTests.temporary("scn.jsonl")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let drill = ReplayTests.temporary("drill.scenario")
        defer { try? FileManager.default.removeItem(atPath: drill) }
        try "slo error_rate < 50%\nat 2s spike 3x for 5s payment\nat 4s500ms crash shard-2\nat 9s restore shard-2\nat 1h drain node-1\n".write(toFile: drill, atomically: true, encoding: .utf8)
        #expect(try PayopsProcess.run(["run", "--duration", "15s", "--seed", "8", "--scenario", drill, "--record", file]).status == 0)
        let out = try PayopsProcess.run(["replay", file, "--to-scenario"])
        #expect(out.status == 0)
        let parsed = try Scenario.parse(out.stdout, file: "to-scenario")
        let original = try Scenario.parse(try String(contentsOfFile: drill, encoding: .utf8), file: "drill")
        // The steps that ran (not the one after the run), at their times, and the thresholds.
        #expect(parsed.steps.map { "\($0.at) \($0.command)" } == original.steps.dropLast().map { "\($0.at) \($0.command)" })
        #expect(parsed.thresholds == original.thresholds)
        // It runs again as a drill, with the flags it prints.
        let runLine = try #require(out.stdout.split(separator: "\n").first { $0.hasPrefix("# Run it again: payops run ") })
        var args = runLine.dropFirst("# Run it again: payops ".count).split(separator: " ").map(String.init)
        let scenario = ReplayTests.temporary("again.scenario")
        defer { try? FileManager.default.removeItem(atPath: scenario) }
        try out.stdout.write(toFile: scenario, atomically: true, encoding: .utf8)
        args[args.count - 1] = scenario
        #expect(args.contains("--seed") && args.contains("8"))
        let again = try PayopsProcess.run(args)
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test(arguments: [
        ("truncated", "truncated: it stops after line 2 without its end line"),
        ("version", ":1: recorded in format 7; this payops"),
        ("header", ":1: the header was changed after recording"),
        ("garbage", ":1: not a payops recording"),
        ("empty", ":1: not a payops recording"),
        ("action", ":2: not a valid action line: 'at_us' has the wrong type"),
        ("command", ":2: command 'explode node-1': column 1: unknown command 'explode'"),
        ("backwards", ":3: goes back in the run"),
        ("after", ":5: a line after the end"),
    ])
    func malformedRecordingsAreOneClearMessageAndExit2(_ kind: String, _ message: String) throws {
        let file = ReplayTests.temporary("bad.jsonl")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let scenario = ReplayTests.temporary("two.scenario")
        defer { try? FileManager.default.removeItem(atPath: scenario) }
        try "at 1s drain node-1\nat 2s recover node-1\n".write(toFile: scenario, atomically: true, encoding: .utf8)
        #expect(try PayopsProcess.run(["run", "--duration", "3s", "--seed", "1", "--scenario", scenario, "--record", file]).status == 0)
        var lines = try ReplayTests.lines(file)
        #expect(lines.count == 4)
        switch kind {
        case "truncated": lines.removeLast(2)
        case "version": lines[0] = lines[0].replacingOccurrences(of: "\"format\":1", with: "\"format\":7")
        case "header": lines[0] = lines[0].replacingOccurrences(of: "\"--seed\",\"1\"", with: "\"--seed\",\"2\"")
        case "garbage": lines = ["this is not json"]
        case "empty": lines = []
        case "action": lines[1] = lines[1].replacingOccurrences(of: #""at_us":(\d+)"#, with: "\"at_us\":\"soon\"", options: .regularExpression)
        case "command": lines[1] = lines[1].replacingOccurrences(of: "drain node-1", with: "explode node-1")
        case "backwards": lines[2] = lines[2].replacingOccurrences(of: #""at_us":(\d+)"#, with: "\"at_us\":0", options: .regularExpression)
        default: lines.append(lines[1])
        }
        try (lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")).write(toFile: file, atomically: true, encoding: .utf8)
        for extra in [[], ["--check"]] {
            let r = try PayopsProcess.run(["replay", file] + extra)
            #expect(r.status == 2, "\(kind): \(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stderr.hasPrefix("payops: \(file)"), "\(r.stderr)")
            #expect(r.stderr.contains(message), "\(kind): \(r.stderr)")
        }
    }

    @Test func badRecordPathsAndFlagsAreRefusedBeforeTheRun() throws {
        let r = try PayopsProcess.run(["run", "--duration", "1s", "--record", "/nonexistent-dir/x.jsonl"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("payops: --record: cannot write '/nonexistent-dir/x.jsonl'"))
        let both = try PayopsProcess.run(["replay", "x.jsonl", "--check", "--console"])
        #expect(both.status == 2)
        #expect(both.stderr.contains("--check, --console and --to-scenario: choose one"))
        let folder = try PayopsProcess.run(["replay", FileManager.default.temporaryDirectory.path])
        #expect(folder.status == 2)
        #expect(folder.stderr.contains("is a folder"))
    }
}

/// A console session driven with keys and the prompt, recorded, then
/// replayed headless to the same report and on screen to its end.
@Suite(.serialized) struct ConsoleReplayTests {
    @Test func aRecordedConsoleSessionReplaysToTheSameReport() throws {
        let file = ReplayTests.temporary("console.jsonl")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let t = try Tmux(width: 160, height: 40, command: ConsoleEndToEndTests.command("--speed 10 --record \(file)"))
        try t.waitFor("ledger ✓ balanced")
        try t.keys("s")
        try t.waitFor("spike 5x for 30s")
        try t.keys("d")
        try t.waitFor("drain node-1")
        try t.keys("j", "f")
        try t.waitFor("fail node-2?")
        try t.keys("y")
        try t.waitFor("fail node-2")
        try t.keys(":")
        try t.type("rate 1500")
        try t.keys("Enter")
        try t.waitFor("rate 1500")
        try t.keys("Space")
        try t.waitFor("PAUSED")
        try t.keys("Space")
        try t.wait("running again") { !$0.contains("PAUSED") }
        try t.keys("q")
        // The session is finished as a run is, and its report printed.
        let end = try t.waitFor("EXIT=0", seconds: 60)
        #expect(end.contains("ledger: balanced"))
        #expect(end.contains("(prompt): rate 1500"))
        let lines = try ReplayTests.lines(file)
        let actions = lines.filter { $0.contains("\"type\":\"action\"") }
        #expect(actions.map { $0.contains("\"origin\":\"prompt\"") } == [false, false, false, true, false, false])
        for command in ["spike 5x for 30s", "drain node-1", "fail node-2", "rate 1500", "pause", "resume"] {
            #expect(actions.contains { $0.contains("\"command\":\"\(command)\"") }, "\(command)")
        }
        let check = try PayopsProcess.run(["replay", file, "--check"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")

        // On screen: the replay plays to the end; keys that would change the platform are refused.
        let screen = try Tmux(width: 160, height: 40, command: "env -u NO_COLOR LANG=C.UTF-8 \(PayopsProcess.binary.path) replay \(file) --console --speed 100; echo EXIT=$?")
        try screen.waitFor("REPLAY")
        try screen.waitFor("REPLAY ended", seconds: 60)
        // Asked only now: a refusal shown while the replay ran could be
        // replaced by the end-of-recording notice before the screen is read.
        try screen.keys("c")
        try screen.waitFor("replay: the recording drives the platform")
        try screen.keys("q")
        let report = try screen.waitFor("EXIT=0", seconds: 60)
        #expect(report.contains("(prompt): rate 1500"))
        #expect(report.contains("ledger: balanced"))
    }
}
