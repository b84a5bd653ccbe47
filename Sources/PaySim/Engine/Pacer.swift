/// Simulated time following wall time × speed, a frame at a time, as the
/// console and a shared session's server both run it: each frame owes the
/// wall time since the last one × speed (at most a second of it: beyond
/// that the engine is simply slower than asked, and catching up later would
/// only make the screen jump), the engine works until it has paid or the
/// frame's deadline passes, and the speed achieved is measured over the
/// last couple of seconds, afresh whenever the speed asked changes.
public struct Pacer {
    var owedMicros = 0.0
    var window: [(wall: Double, sim: Double)] = []
    var windowSpeed: Double?
    let windowFrames: Int
    /// Simulated seconds per wall second achieved lately (nil while paused or not yet measured).
    public private(set) var achieved: Double?

    public init(fps: Int) { windowFrames = max(1, fps) * 2 }

    /// One frame: advances `sim` (by `step`, which returns false to stop
    /// early) towards what is owed, never past `cap`; returns the simulated
    /// microseconds advanced.
    public mutating func frame(_ sim: Simulation, wallSeconds: Double, speed: Double, deadline: ContinuousClock.Instant,
                               cap: Int64 = .max, step: (SimTime) -> Bool) -> Double {
        var advanced = 0.0
        if !sim.paused {
            owedMicros = min(owedMicros + wallSeconds * speed * 1_000_000, speed * 1_000_000)
            let start = sim.nowMicros
            let target = SimTime(microseconds: min(start + Int64(owedMicros), cap))
            while sim.nowMicros < target.microseconds && ContinuousClock.now < deadline && step(target) {}
            advanced = Double(sim.nowMicros - start)
            owedMicros -= advanced
        } else {
            owedMicros = 0
        }
        // A new speed starts a new measure: the old one would read as "behind".
        if windowSpeed != speed {
            windowSpeed = speed
            window.removeAll()
        }
        window.append((wallSeconds, advanced / 1_000_000))
        if window.count > windowFrames { window.removeFirst(window.count - windowFrames) }
        let wallSum = window.reduce(0) { $0 + $1.wall }, simSum = window.reduce(0) { $0 + $1.sim }
        achieved = sim.paused || wallSum < 0.5 ? nil : simSum / wallSum
        return advanced
    }
}
