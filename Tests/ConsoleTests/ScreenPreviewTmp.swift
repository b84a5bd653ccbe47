import Testing
import PaySim
@testable import Console
@Test func previewScreens() throws {
    let sim = Simulation(config: SimulationConfig())
    sim.advance(to: SimTime(microseconds: 65_000_000))
    try sim.apply(.drainNode(2))
    try sim.apply(.failNode(1))
    try sim.apply(.spike(factor: 5, duration: .seconds(30), workload: nil))
    sim.advance(to: SimTime(microseconds: 75_000_000))
    let theme = Theme.monochromeBuiltIn
    for (w, h) in [(80, 24), (160, 48), (120, 34)] {
        var s = Screen(snapshot: sim.snapshot(), state: ConsoleState(), theme: theme, glyphs: .unicode, width: w, height: h)
        print(s.render().text)
        print(String(repeating: "=", count: w))
    }
}
