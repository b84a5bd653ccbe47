import ArgumentParser
import Foundation
import PaySim
import RedisBackend

/// `payops cleanup`: lists and removes what runs left on a Redis server.
struct CleanupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "List the payops runs with keys on a Redis server, and remove one run's keys or every stale run's.",
        discussion: """
            A live run renews a heartbeat key; one killed without its cleanup leaves its keys, which expire \
            by themselves within ten minutes (cache entries within an hour). Only keys under payops: are read \
            or removed, with SCAN and UNLINK; FLUSHDB and FLUSHALL are never sent.
            """
    )

    @Argument(help: ArgumentHelp("The server.", valueName: "redis://[user[:password]@]host:port[/db]"))
    var server: String

    @Option(name: .customLong("run"), help: "Remove this run's keys (a run that is still alive is refused).")
    var runID: String?

    @Flag(help: "Remove the keys of every run without a heartbeat.")
    var stale = false

    func validate() throws {
        if runID != nil && stale { throw ValidationError("--run and --stale: give one or the other") }
        if let id = runID {
            guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw ValidationError("--run: '\(InputText.shown(id))' is not a run id; ids look like 12345-a1b2c3 (payops cleanup lists them)")
            }
        }
    }

    func run() throws {
        let url: RedisURL
        do { url = try RedisURL.parse(server, environment: ProcessInfo.processInfo.environment) } catch {
            throw ValidationError("\(error)")
        }
        let pipe: RedisPipe
        do { pipe = try RedisPipe(url: url) } catch { throw ValidationError("\(error)") }
        guard let runs = pipe.runs() else { throw ValidationError("\(url): \(pipe.lastError?.reason ?? "the server went away")") }
        let targets: [RunKeys]
        if let id = runID {
            guard let run = runs.first(where: { $0.runID == id }) else {
                throw ValidationError("--run: no keys of run \(id) on \(url)\(runs.isEmpty ? "" : "; runs there: " + runs.map(\.runID).joined(separator: ", "))")
            }
            guard !run.alive else {
                throw ValidationError("--run: run \(id) is alive (\(InputText.shown(run.heartbeat ?? ""))); stop it and it removes its own keys")
            }
            targets = [run]
        } else if stale {
            targets = runs.filter { !$0.alive }
        } else {
            if runs.isEmpty { print("no payops runs on \(url)") }
            for r in runs {
                print("\(r.runID)  \(Money.grouped(Int64(r.keys))) key\(r.keys == 1 ? "" : "s")  \(r.alive ? "alive (\(InputText.shown(r.heartbeat ?? "")))" : "stale")")
            }
            if runs.contains(where: { !$0.alive }) { print("remove with: payops cleanup \(url) --stale, or --run RUN_ID") }
            return
        }
        if targets.isEmpty { print("no stale runs on \(url)") }
        for r in targets {
            guard let n = pipe.removeKeys(prefix: "payops:\(r.runID):") else {
                throw ValidationError("\(url): \(pipe.lastError?.reason ?? "the server went away") while removing run \(r.runID)")
            }
            print("removed \(Money.grouped(Int64(n))) key\(n == 1 ? "" : "s") of run \(r.runID)")
        }
    }
}
