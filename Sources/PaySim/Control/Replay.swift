/// One action of a recorded session, at the exact point of the run where
/// it was applied: simulated time and the count of events processed.
public struct RecordedAction: Sendable, Equatable {
    public var at: SimTime
    public var event: Int64
    public var who: String
    public var via: String
    public var command: OperatorCommand
    /// Its line in the recording, for messages.
    public var line: Int

    public init(at: SimTime, event: Int64, who: String, via: String, command: OperatorCommand, line: Int) {
        self.at = at
        self.event = event
        self.who = who
        self.via = via
        self.command = command
        self.line = line
    }

    /// A drill's own step: the drill in the recording's header runs it again.
    public var fromDrill: Bool { origin == "drill" }
    /// `key`, `prompt` or `drill`: how the action came.
    public var origin: String { OperatorAction.origin(via: via) }
}

/// Why a replay could not follow its recording: the run it makes is not
/// the one recorded (another payops version, or an edited recording).
public struct ReplayDivergence: Error, Sendable, Equatable, CustomStringConvertible {
    /// The recording's line the replay could not reach or apply.
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

/// Drives a simulation through a recording: every recorded action is
/// applied again at its exact point of the run, and the run stops where the
/// recording ends. The headless replay and the replay on screen both use it.
public final class ReplayDriver {
    public let simulation: Simulation
    public let actions: [RecordedAction]
    /// Where the recording ends, and its line.
    public let end: (at: SimTime, event: Int64, line: Int)
    /// Actions applied so far.
    public private(set) var applied = 0
    public private(set) var divergence: ReplayDivergence?
    /// True once the run stands where the recording ends.
    public private(set) var reachedEnd = false
    /// On screen, the console's own clock pauses: recorded pause and resume
    /// go to the action log without stopping the replay.
    let quietClock: Bool

    public init(simulation: Simulation, actions: [RecordedAction], end: (at: SimTime, event: Int64, line: Int), onScreen: Bool = false) {
        self.simulation = simulation
        self.actions = actions
        self.end = end
        quietClock = onScreen
    }

    /// True while there is more of the recording to play.
    public var playing: Bool { divergence == nil && !reachedEnd }

    /// Advances toward `target` processing at most `eventBudget` events,
    /// applying each recorded action at its point on the way; never past
    /// the recording's end.
    public func advance(to target: SimTime, eventBudget: Int = .max) {
        let sim = simulation
        let start = sim.processedEvents
        while playing {
            let left = eventBudget == .max ? Int.max : eventBudget - Int(sim.processedEvents - start)
            guard left > 0 else { return }
            let action = applied < actions.count ? actions[applied] : nil
            let stop = action.map { (at: $0.at, event: $0.event, line: $0.line) } ?? end
            guard stop.at <= target else {
                sim.advance(to: target, eventBudget: left)
                return
            }
            if stop.event - sim.processedEvents > Int64(left) {
                sim.advance(to: stop.at, eventBudget: left)
                return
            }
            guard sim.advance(toEvent: stop.event, at: stop.at) else {
                divergence = ReplayDivergence(line: stop.line, message: Self.missed(sim, stop.at, stop.event))
                return
            }
            guard let action else {
                reachedEnd = true
                return
            }
            apply(action)
            applied += 1
        }
    }

    /// Plays the whole recording; the run then stands where it ended.
    public func playToEnd() throws(ReplayDivergence) {
        advance(to: end.at)
        if let divergence { throw divergence }
    }

    func apply(_ action: RecordedAction) {
        let sim = simulation
        if action.fromDrill {
            // The drill ran this step as an event of the run; it must have
            // done so exactly here.
            let last = sim.actions.last
            guard let last, last.command == "\(action.command)", last.at == action.at, last.event == action.event else {
                divergence = ReplayDivergence(line: action.line, message: "the drill's step '\(action.command)' was recorded at \(Self.point(action.at, action.event)), but the drill did not run it there")
                return
            }
            return
        }
        let clockOnly = quietClock && (action.command == .pause || action.command == .resume)
        if !clockOnly {
            do {
                try sim.apply(action.command)
            } catch {
                divergence = ReplayDivergence(line: action.line, message: "'\(action.command)' was applied in the recorded session but is refused here: \(error)")
                return
            }
        }
        sim.noteAction(action.command, who: action.who, via: action.via)
    }

    static func point(_ at: SimTime, _ event: Int64) -> String {
        let part = at.microseconds % 1_000_000
        return "\(at.clockText)\(part == 0 ? "" : " +\(SimDuration(microseconds: part))") (event \(Money.grouped(event)))"
    }

    static func missed(_ sim: Simulation, _ at: SimTime, _ event: Int64) -> String {
        "the recording has its next point at \(point(at, event)), but the replayed run is at \(point(sim.now, sim.processedEvents)) and cannot be there; it is not the run recorded"
    }
}

extension Simulation {
    /// Stops or starts the console's clock without an action of the run
    /// (a replay's own pause).
    public func setClockPaused(_ paused: Bool) {
        self.paused = paused
    }
}
