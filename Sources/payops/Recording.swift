import ArgumentParser
import Foundation
import PaySim

/// A recorded session, JSON lines: a header (what it takes to make the same
/// run again), every action as it was applied, then the end (where the
/// session stopped and the report it gave).
///
///     {"type":"header","format":1,"payops":"0.12.0","kind":"console","model":["--seed","42",…],…}
///     {"type":"action","at_us":12345678,"event":98765,"who":"ana","origin":"key","via":"key","command":"spike 5x for 30s"}
///     {"type":"end","at_us":60000000,"event":456789,"ending":"arrivals-ended","report":{…}}
///
/// The header carries a checksum: a changed header is refused, since the
/// run it describes would not be the one recorded.
enum Recording {
    static let format = 1
    /// Larger files are refused before they are read.
    static let maxBytes = 256 * 1_024 * 1_024

    struct Header: Codable, Equatable {
        var type = "header"
        var format = Recording.format
        /// The payops release that recorded it.
        var payops = PayopsCommand.version
        /// `run` or `console`.
        var kind: String
        /// The model flags, as arguments (`--seed 42 --rate 1000 …`).
        var model: [String]
        /// `embedded` or `redis`, for the cache and the message log.
        var cache: String
        var queue: String
        /// `--slo` expressions, canonical.
        var thresholds: [String]
        var drill: Drill?
        /// `run`: the length of arrivals asked for.
        var duration: String?
        var abort_on_breach: Bool
        /// When it began, UTC; for people, not for the replay.
        var started: String
        var checksum = ""

        struct Drill: Codable, Equatable {
            var name: String
            var text: String
        }

        /// FNV-1a over the header's canonical JSON, checksum left out.
        var computedChecksum: String {
            var copy = self
            copy.checksum = ""
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in Recording.encode(copy) {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
            return String(hash, radix: 16)
        }
    }

    struct Action: Codable, Equatable {
        var type = "action"
        var at_us: Int64
        var event: Int64
        var who: String
        var origin: String
        var via: String
        var command: String
    }

    /// How the session ended, which says how a replay finishes it.
    enum Ending: String, Codable {
        /// Arrivals stopped there (end of `--duration`, or the console quit);
        /// work in flight then finished and the full audit ran.
        case arrivalsEnded = "arrivals-ended"
        /// `--abort-on-breach` stopped arrivals at the first breach.
        case stoppedOnBreach = "stopped-on-breach"
        /// A signal stopped the session; there is no report.
        case interrupted
    }

    struct End: Codable {
        var type = "end"
        var at_us: Int64
        var event: Int64
        var ending: Ending
    }

    /// A recording read back and checked.
    struct Loaded {
        var header: Header
        var actions: [RecordedAction]
        var end: End
        var endLine: Int
        /// The report the session gave, as JSON, when it gave one.
        var report: Any?
    }

    static func encode<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The types written here always encode.
        return (try? encoder.encode(value)) ?? Data()
    }

    /// Reads and checks a recording; every problem is one message naming
    /// the file and line, as a usage error (exit 2).
    static func load(path: String) throws -> Loaded {
        let shown = InputText.shown(path, limit: 200)
        func fail(_ line: Int, _ message: String) -> ValidationError {
            ValidationError("\(shown)\(line > 0 ? ":\(line)" : ""): \(message)")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw fail(0, "is a folder; expected a recording written by --record FILE")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes?[.size] as? Int, size > maxBytes {
            throw fail(0, "is \(size) bytes; a recording is at most \(maxBytes)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail(0, "cannot read it: \(String(cString: strerror(errno)))")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw fail(0, "is not UTF-8 text; a recording is JSON lines") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let decoder = JSONDecoder()
        func object(_ i: Int) throws -> [String: Any] {
            guard let o = (try? JSONSerialization.jsonObject(with: Data(lines[i].utf8))) as? [String: Any] else {
                throw fail(i + 1, "not a JSON object; each line of a recording is one")
            }
            return o
        }
        func decode<T: Decodable>(_ type: T.Type, _ i: Int, _ what: String) throws -> T {
            do { return try decoder.decode(T.self, from: Data(lines[i].utf8)) } catch {
                throw fail(i + 1, "not a valid \(what) line: \(describe(error))")
            }
        }
        guard !lines.isEmpty, !lines[0].isEmpty, let first = try? object(0), first["type"] as? String == "header" else {
            throw fail(1, "not a payops recording: the first line is not its header (record one with --record FILE)")
        }
        if let f = first["format"] as? Int, f != format {
            throw fail(1, "recorded in format \(f); this payops (\(PayopsCommand.version)) reads format \(format)")
        }
        let header = try decode(Header.self, 0, "header")
        guard header.checksum == header.computedChecksum else {
            throw fail(1, "the header was changed after recording (its checksum does not match); the run it describes is not the one recorded")
        }
        guard ["run", "console", "serve"].contains(header.kind) else { throw fail(1, "unknown kind '\(InputText.shown(header.kind, limit: 40))'") }
        var actions: [RecordedAction] = []
        var last = (at: Int64(0), event: Int64(0))
        for i in 1..<lines.count {
            if lines[i].isEmpty {
                if i == lines.count - 1 { break }
                throw fail(i + 1, "an empty line; a recording has none")
            }
            let type = try object(i)["type"] as? String
            func inOrder(_ at: Int64, _ event: Int64) throws {
                guard at >= last.at, event >= last.event else {
                    throw fail(i + 1, "goes back in the run (at_us \(at), event \(event) after at_us \(last.at), event \(last.event))")
                }
                last = (at, event)
            }
            switch type {
            case "action":
                let a = try decode(Action.self, i, "action")
                try inOrder(a.at_us, a.event)
                let command: OperatorCommand
                do { command = try CommandParser.parse(a.command) } catch {
                    throw fail(i + 1, "command '\(InputText.shown(a.command, limit: 120))': \(error)")
                }
                actions.append(RecordedAction(at: SimTime(microseconds: a.at_us), event: a.event, who: a.who, via: a.via, command: command, line: i + 1))
            case "end":
                let end = try decode(End.self, i, "end")
                try inOrder(end.at_us, end.event)
                if let extra = lines[(i + 1)...].firstIndex(where: { !$0.isEmpty }) {
                    throw fail(extra + 1, "a line after the end")
                }
                let report = try object(i)["report"]
                if end.ending != .interrupted && report == nil { throw fail(i + 1, "the end has no report") }
                return Loaded(header: header, actions: actions, end: end, endLine: i + 1, report: report)
            default:
                throw fail(i + 1, "unknown line type '\(InputText.shown(type ?? "none", limit: 40))'; expected action or end")
            }
        }
        throw fail(0, "truncated: it stops after line \(lines.last?.isEmpty == true ? lines.count - 1 : lines.count) without its end line (the session did not finish writing it)")
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            "'\(c.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case DecodingError.dataCorrupted(let c):
            c.codingPath.isEmpty ? "not JSON" : "'\(c.codingPath.map(\.stringValue).joined(separator: "."))': \(c.debugDescription)"
        default: "\(error)"
        }
    }

    /// The first place two reports differ, as `path: recorded X, replayed Y`;
    /// nil when they are the same.
    static func firstDifference(recorded: Any, replayed: Any, path: String = "") -> String? {
        let here = path.isEmpty ? "the report" : path
        switch (recorded, replayed) {
        case let (a as [String: Any], b as [String: Any]):
            for key in Set(a.keys).union(b.keys).sorted() {
                let p = path.isEmpty ? key : "\(path).\(key)"
                guard let x = a[key] else { return "\(p): not recorded, replayed \(text(b[key]!))" }
                guard let y = b[key] else { return "\(p): recorded \(text(x)), not in the replay" }
                if let d = firstDifference(recorded: x, replayed: y, path: p) { return d }
            }
            return nil
        case let (a as [Any], b as [Any]):
            for (i, (x, y)) in zip(a, b).enumerated() {
                if let d = firstDifference(recorded: x, replayed: y, path: "\(path)[\(i)]") { return d }
            }
            return a.count == b.count ? nil : "\(here): recorded \(a.count) entries, replayed \(b.count)"
        default:
            let same = (recorded as? NSObject).flatMap { x in (replayed as? NSObject).map { x.isEqual($0) } } ?? false
            return same ? nil : "\(here): recorded \(text(recorded)), replayed \(text(replayed))"
        }
    }

    static func text(_ v: Any) -> String {
        if let s = v as? String { return "'\(InputText.shown(s, limit: 120))'" }
        if let data = try? JSONSerialization.data(withJSONObject: [v], options: [.sortedKeys, .fragmentsAllowed]) {
            let s = String(decoding: data, as: UTF8.self)
            return String(s.dropFirst().dropLast()).prefix(120).description
        }
        return "\(v)"
    }
}

/// Writes a session's recording as it happens: each line is written
/// through at once, so a recording of a session that dies keeps every
/// action up to then.
final class RecordingWriter {
    let file: LineFile
    var path: String { file.path }

    /// Creates the file (replacing any) and writes the header; a path that
    /// cannot be written is a usage error now, not after the session.
    init(path: String, header: Recording.Header) throws {
        file = try LineFile(path: path, flag: "--record")
        var header = header
        header.checksum = header.computedChecksum
        file.write(Recording.encode(header))
    }

    func record(_ a: OperatorAction) {
        file.write(Recording.encode(Recording.Action(at_us: a.at.microseconds, event: a.event, who: a.who,
                                                     origin: a.origin, via: a.via, command: a.command)))
    }

    /// Writes the end line (with the report, when there is one) and closes the file.
    func finish(at: SimTime, event: Int64, ending: Recording.Ending, report: RunReport?) {
        var line = Recording.encode(Recording.End(at_us: at.microseconds, event: event, ending: ending))
        if let report {
            line.removeLast()  // the closing brace: the report goes in as one more field
            line += Data(",\"report\":".utf8) + Recording.encode(report) + Data("}".utf8)
        }
        file.write(line)
        file.close()
    }
}

extension ModelOptions {
    /// The model flags as arguments, every one of them, so a replay makes
    /// the same platform whatever the defaults become.
    var recordedArguments: [String] {
        ["--seed", "\(seed)", "--rate", rate, "--mix", mix, "--shards", "\(shards)", "--nodes", "\(nodes)",
         "--protocol", commitProtocol, "--lb", lb, "--cache-capacity", "\(cacheCapacity)", "--customers", "\(customers)",
         "--capture-window", captureWindow, "--settlement-lag", settlementLag, "--payout-interval", payoutInterval,
         "--refund-rate", refundRate, "--chargeback-rate", chargebackRate, "--settlement-fail-rate", settlementFailRate]
    }

    /// The header a session with these flags starts its recording with.
    func recordingHeader(kind: String, thresholds: [SLOThreshold], drill: (name: String, text: String)?,
                         duration: SimDuration? = nil, abortOnBreach: Bool = false) -> Recording.Header {
        let formatter = ISO8601DateFormatter()
        return Recording.Header(kind: kind, model: recordedArguments, cache: cache == nil ? "embedded" : "redis",
                                queue: queue == nil ? "embedded" : "redis", thresholds: thresholds.map(\.description),
                                drill: drill.map { .init(name: $0.name, text: $0.text) }, duration: duration?.description,
                                abort_on_breach: abortOnBreach, started: formatter.string(from: Date()))
    }
}
