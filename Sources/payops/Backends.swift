import ArgumentParser
import Foundation
import PaySim
import RedisBackend

/// The Redis servers a run uses instead of the embedded cache and log, and
/// the cleanup of everything it wrote there.
final class Backends {
    let cache: RedisCacheTier?
    let log: RedisStreamLog?
    let runID: String

    /// Parses and connects; a bad URL or an unreachable server is a usage
    /// error naming the flag (exit 2).
    init(cacheURL: String?, queueURL: String?, capacity: Int) throws {
        let env = ProcessInfo.processInfo.environment
        var id = SystemRandomNumberGenerator()
        let runID = String(getpid()) + "-" + String(id.next() & 0xff_ffff, radix: 16)
        self.runID = runID
        func parse(_ text: String, _ flag: String) throws -> RedisURL {
            do { return try RedisURL.parse(text, environment: env) } catch { throw ValidationError("\(flag): \(error)") }
        }
        let cacheURL = try cacheURL.map { try parse($0, "--cache") }
        let queueURL = try queueURL.map { try parse($0, "--queue") }
        // One connection per server: with --cache and --queue on the same
        // one, the cache's reads and the log's commands share round trips.
        let cachePipe: RedisPipe?, queuePipe: RedisPipe?
        do { cachePipe = try cacheURL.map { try RedisPipe(url: $0) } } catch { throw ValidationError("--cache: \(error)") }
        if let queueURL, queueURL == cacheURL {
            queuePipe = cachePipe
        } else {
            do { queuePipe = try queueURL.map { try RedisPipe(url: $0) } } catch { throw ValidationError("--queue: \(error)") }
        }
        cache = cachePipe.map { RedisCacheTier(pipe: $0, runID: runID, capacity: capacity) }
        log = queuePipe.map { RedisStreamLog(pipe: $0, runID: runID) }
    }

    /// Removes every key this run wrote; returns one line per server it
    /// could not reach (its keys stay until someone removes them).
    func cleanUp() -> [String] {
        var problems: [String] = []
        if let cache, cache.removeOwnKeys() == nil {
            problems.append("could not remove this run's cache keys (\(cache.prefix)*) from \(cache.backendName): \(cache.lastError?.reason ?? "server unreachable")")
        }
        if let log, log.removeOwnKeys() == nil {
            problems.append("could not remove this run's streams (\(log.prefix)*) from \(log.backendName): \(log.pipe.lastError?.reason ?? "server unreachable")")
        }
        // The heartbeat goes last: until then `payops cleanup` sees the run as alive.
        for pipe in [cache?.pipe, log?.pipe].compactMap({ $0 }) { pipe.endLease(runID: runID) }
        return problems
    }
}
