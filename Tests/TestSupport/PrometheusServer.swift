import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus server (Debian's package) on a free loopback port, with
/// the given scrape config and rule files, stopped (and its data removed)
/// when the value goes.
public final class PrometheusServer {
    public let port: Int
    public let dir: URL
    private var pid: pid_t = 0

    public struct Missing: Error, CustomStringConvertible {
        public var description: String { "prometheus is not installed: the README's test command installs it (apt-get install prometheus)" }
    }

    public static var binary: String? {
        ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }
    public static var promtool: String? {
        ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Writes `files` (name → text) into its own folder, then starts the
    /// server with `config` (a file name among them) and waits until it is ready.
    public init(config: String, files: [String: String]) throws {
        guard let binary = PrometheusServer.binary else { throw Missing() }
        port = RedisServer.freePort()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("payops-prometheus-\(getpid())-\(port)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let args = [binary, "--config.file=\(dir.appendingPathComponent(config).path)", "--storage.tsdb.path=\(dir.appendingPathComponent("data").path)",
                    "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, dir.appendingPathComponent("prometheus.log").path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        pid = try spawnWithSignalsUnblocked(args, actions: &actions)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if (try? PrometheusServer.get("http://127.0.0.1:\(port)/-/ready"))?.status == 200 { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let log = (try? String(contentsOf: dir.appendingPathComponent("prometheus.log"), encoding: .utf8)) ?? ""
        stop()
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "prometheus did not become ready: \(log.suffix(2_000))"])
    }

    /// An instant query of the HTTP API: the `data.result` array.
    public func query(_ promQL: String) throws -> [[String: Any]] {
        var c = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/query")!
        c.queryItems = [URLQueryItem(name: "query", value: promQL)]
        let r = try PrometheusServer.get(c.url!.absoluteString)
        let json = try JSONSerialization.jsonObject(with: r.body) as? [String: Any]
        return ((json?["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
    }

    /// A GET, waited for (10 s at most).
    public static func get(_ url: String) throws -> (status: Int, body: Data) {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Int, Data)?
        nonisolated(unsafe) var failure: Error?
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 10
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { failure = error } else { result = ((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data()) }
            done.signal()
        }.resume()
        _ = done.wait(timeout: .now() + 12)
        if let failure { throw failure }
        guard let result else { throw URLError(.timedOut) }
        return result
    }

    public func stop() {
        if pid > 0 {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            pid = 0
        }
        try? FileManager.default.removeItem(at: dir)
    }

    deinit { stop() }
}
