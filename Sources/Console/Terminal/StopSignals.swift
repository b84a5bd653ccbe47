import CNCurses

/// SIGINT, SIGTERM and SIGHUP for a headless run: the handler only records
/// the signal, and the run stops at its next check, cleans up and exits.
public enum StopSignals {
    public static func install() { payops_catch_stop_signals() }
    /// The signal that arrived since the last call, or 0.
    public static func take() -> Int32 { payops_take_signal() }
}
