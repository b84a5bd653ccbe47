import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts `argv` with `actions` and returns its pid. The test runner blocks
/// signals and children inherit the mask: a redis-server started so never
/// sees SIGTERM, and a tmux server never sees SIGCHLD, so it neither reaps
/// its panes nor obeys kill-server. Children get nothing blocked and the
/// default dispositions of the signals they rely on.
public func spawnWithSignalsUnblocked(_ argv: [String], actions: inout posix_spawn_file_actions_t) throws -> pid_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for sig in [SIGTERM, SIGHUP, SIGINT, SIGCHLD, SIGPIPE, SIGWINCH] { sigaddset(&defaults, sig) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var cArgs = argv.map { strdup($0) } + [nil]
    defer { for a in cArgs { free(a) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, argv[0], &actions, &attributes, &cArgs, environ)
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
    return pid
}
