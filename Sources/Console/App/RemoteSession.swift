import PaySim

/// A session served elsewhere that this console is attached to: the
/// screen is drawn from its published snapshots and the operator's keys
/// and commands go to the server, which applies them in this user's name.
public protocol RemoteSession: AnyObject {
    /// Reads what has arrived; true when a new snapshot did.
    func poll() -> Bool
    /// The newest snapshot (with the flow and events put back together).
    var snapshot: MetricsSnapshot? { get }
    var shape: PlatformShape { get }
    /// Who this console acts as (the bus user), and the session's name.
    var user: String { get }
    var sessionName: String { get }
    /// Redis refused this user a command stream: watch only.
    var observer: Bool { get }
    /// Sends a command (or, with `control`, pause, resume, speed or stop);
    /// nil when sent, else why not.
    func send(_ text: String, via: String, control: Bool) -> String?
    /// The server's answers to this user's commands since the last call.
    func takeAnswers() -> [(applied: Bool, text: String)]
    /// The speed the facilitator set and the one achieved.
    var speed: Double { get }
    var achievedSpeed: Double? { get }
    /// The header's session segment: user, session, lag; or the bus lost, or the session ended.
    var status: (text: String, severity: Severity) { get }
}
