import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private redis-server on a free loopback port for one test, stopped
/// when released. Missing redis-server is a failure, never a skip: the
/// README's test command installs it.
public final class RedisServer {
    public let port: Int
    var pid: pid_t = 0
    let dir: URL
    let password: String?
    let appendOnly: Bool
    let aclFile: String?

    public struct Missing: Error, CustomStringConvertible {
        public var description: String { "redis-server is not installed: the README's test command installs it (apt-get install redis-server)" }
    }

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    static var binary: String? {
        ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A port the kernel says is free right now.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// `appendOnly` keeps data across a restart (AOF, fsync always);
    /// without it a restarted server comes back empty.
    /// `aclFile`: users and their rights (redis-server --aclfile).
    public init(password: String? = nil, appendOnly: Bool = false, aclFile: String? = nil) throws {
        port = RedisServer.freePort()
        self.password = password
        self.appendOnly = appendOnly
        self.aclFile = aclFile
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("payops-redis-\(getpid())-\(port)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try start()
    }

    /// Starts the server process (again, after `kill`) on the same port and directory.
    public func start() throws {
        guard let binary = RedisServer.binary else { throw Missing() }
        var args = [binary, "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--dir", dir.path, "--daemonize", "no"]
        args += appendOnly ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]
        if let password { args += ["--requirepass", password] }
        if let aclFile { args += ["--aclfile", aclFile] }
        // Spawned and reaped directly (posix_spawn, kill, waitpid): simple and
        // independent of any run loop in the test process.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        pid = try spawnWithSignalsUnblocked(args, actions: &actions)
        // Ready when it accepts a connection (bounded wait).
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if RedisServer.canConnect(port) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill()
        throw Missing()
    }

    public static func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }

    /// Kills the server at once (SIGKILL), as a crash would; `start` brings it back.
    public func kill() {
        guard pid > 0 else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        pid = 0
    }

    /// Freezes the server (SIGSTOP): it accepts connections but answers nothing.
    public func pause() { if pid > 0 { Glibc.kill(pid, SIGSTOP) } }
    public func resume() { if pid > 0 { Glibc.kill(pid, SIGCONT) } }

    public func stop() {
        resume()
        if pid > 0 {
            Glibc.kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            pid = 0
        }
        try? FileManager.default.removeItem(at: dir)
    }

    deinit { stop() }
}
