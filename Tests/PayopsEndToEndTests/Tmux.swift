import Foundation
import Testing
import TestSupport

/// A private tmux server for one test: the console runs in a real
/// terminal, and the test types keys and reads the screen as a person would.
final class Tmux {
    let socket: String
    let session = "payops"

    struct Missing: Error, CustomStringConvertible {
        var description: String { "tmux is not installed: the README's test command installs it (apt-get install tmux)" }
    }

    static var path: String? {
        ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts `command` in a detached session of the given size.
    init(width: Int, height: Int, command: String) throws {
        guard Tmux.path != nil else { throw Missing() }
        socket = "payops-e2e-\(getpid())-\(UInt32.random(in: 0..<UInt32.max))"
        // The server this starts inherits the client's output: give it
        // /dev/null, or reading the output would wait for the server to exit.
        // The pane must outlive a command that ends at once (a refusal, exit 2):
        // the session starts on a placeholder, remain-on-exit is set, and only
        // then does the command replace it. Set after the command started, a
        // quick exit could take the pane, the session and the server with it.
        try run(["-f", "/dev/null", "new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)", "sleep 600"], capture: false)
        try run(["set-option", "-t", session, "remain-on-exit", "on"])
        try run(["respawn-pane", "-k", "-t", session, command])
    }

    deinit { _ = try? run(["kill-server"], capture: false) }

    /// Runs a tmux client and returns what it printed. Spawned and reaped
    /// directly: the server that `new-session` forks inherits the client's
    /// descriptors, so its output goes to /dev/null (reading a pipe would
    /// wait for the server to exit).
    @discardableResult
    func run(_ args: [String], capture: Bool = true) throws -> String {
        let argv = [Tmux.path!, "-L", socket] + args
        var fds: [Int32] = [-1, -1]
        if capture { guard pipe(&fds) == 0 else { throw POSIXError(.EMFILE) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if capture {
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
            posix_spawn_file_actions_addclose(&actions, fds[0])
            posix_spawn_file_actions_addclose(&actions, fds[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        let pid = try spawnWithSignalsUnblocked(argv, actions: &actions)
        var output = [UInt8]()
        if capture {
            close(fds[1])
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = read(fds[0], &buffer, buffer.count)
                if n <= 0 { break }
                output.append(contentsOf: buffer[0..<n])
            }
            close(fds[0])
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return String(decoding: output, as: UTF8.self)
    }

    /// The screen as text (with escape sequences when `escapes`). Once the
    /// command has ended, its last lines may have scrolled into the history
    /// as the console gave the screen back: a dead pane is read whole.
    /// With `history`, the lines scrolled above the screen are read too.
    func screen(escapes: Bool = false, history: Bool = false) throws -> String {
        let dead = try history || run(["display-message", "-p", "-t", session, "#{pane_dead}"]).hasPrefix("1")
        return try run(["capture-pane", "-p", "-t", session] + (dead ? ["-S", "-200"] : []) + (escapes ? ["-e"] : []))
    }

    func keys(_ keys: String...) throws { try run(["send-keys", "-t", session] + keys) }
    func type(_ text: String) throws { try run(["send-keys", "-t", session, "-l", text]) }
    func resize(_ w: Int, _ h: Int) throws { try run(["resize-window", "-t", session, "-x", "\(w)", "-y", "\(h)"]) }

    /// Polls the screen until `predicate` holds or `seconds` pass; returns the last screen.
    @discardableResult
    func wait(_ what: String, seconds: Double = 15, history: Bool = false, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = try screen(history: history)
            if predicate(last) { return last }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("timed out after \(seconds)s waiting for \(what); the screen was:\n\(last)")
        return last
    }

    @discardableResult
    func waitFor(_ text: String, seconds: Double = 15, history: Bool = false) throws -> String {
        try wait("'\(text)'", seconds: seconds, history: history) { $0.contains(text) }
    }
}
