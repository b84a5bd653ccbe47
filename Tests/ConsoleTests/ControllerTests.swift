import Testing
import PaySim
@testable import Console

/// Every key's effect on the model and the console, without a terminal.
@Suite struct ControllerTests {
    func make() -> ConsoleController {
        var c = SimulationConfig()
        c.customers = 2_000
        let sim = Simulation(config: c)
        sim.advance(to: SimTime(microseconds: 3_000_000))
        return ConsoleController(simulation: sim)
    }

    func type(_ c: ConsoleController, _ text: String) { for ch in text { c.handle(.character(ch)) } }

    /// The action log names the local user and how each change was made;
    /// a refused change and an observer's keys are not in it.
    @Test func actionsAreLoggedWithWhoAndHow() {
        let c = make()
        c.handle(.character("c"))
        c.handle(.character(":"))
        type(c, "drain node-2")
        c.handle(.enter)
        c.handle(.character(":"))
        type(c, "recover node-9")
        c.handle(.enter)
        let log = c.simulation!.actions
        #expect(log.map(\.command) == ["cache flush", "drain node-2"])
        #expect(log.map(\.via) == ["key", "prompt"])
        #expect(log.allSatisfy { $0.who == ConsoleController.operatorName && !$0.who.isEmpty })
        c.state.readOnly = true
        c.handle(.character("c"))
        #expect(c.simulation!.actions.count == 2)
    }

    /// Observer mode: nothing an observer presses changes the platform;
    /// each refusal says so, and looking around still works.
    @Test func readOnlyRefusesEveryChangeAndSaysSo() throws {
        let c = make()
        c.state.readOnly = true
        let before = c.simulation!.snapshot()
        for key in ["d", "r", "s", "+", "-", " ", "l", "p", "c"] {
            c.handle(.character(Character(key)))
            #expect(c.state.notice?.text.hasPrefix("read-only: ") == true, "key '\(key)': \(String(describing: c.state.notice))")
            #expect(c.state.notice?.severity == .warn)
        }
        c.handle(.character("f"))
        #expect(c.state.mode == .normal, "no confirmation for what will not be done")
        #expect(c.state.notice?.text == "read-only: 'fail node-1' not applied")
        c.handle(.character(":"))
        type(c, "crash shard-1")
        c.handle(.enter)
        #expect(c.state.notice?.text == "read-only: 'crash shard-1' not applied")
        let after = c.simulation!.snapshot()
        #expect(after.baseRateTPS == before.baseRateTPS && after.spikes.isEmpty && !after.paused)
        #expect(after.balancer == before.balancer && after.commitProtocol == before.commitProtocol)
        #expect(after.nodes.allSatisfy { $0.state == .up } && after.shards.allSatisfy(\.up))
        #expect(c.simulation!.snapshot().events.allSatisfy { !$0.message.contains("flush") && !$0.message.contains("drain") })
        // Viewing still works.
        c.handle(.down)
        #expect(c.state.selectedNode == 1)
        c.handle(.character("?"))
        #expect(c.state.mode == .help)
    }

    @Test func oFocusesAPanelAndEZoomsIt() {
        let c = make()
        #expect(c.state.focus == nil && !c.state.zoomed)
        c.handle(.character("o"))
        #expect(c.state.focus == .flow)
        c.handle(.character("o")); c.handle(.character("o")); c.handle(.character("o"))
        #expect(c.state.focus == .nodes)
        c.handle(.character("e"))
        #expect(c.state.zoomed)
        c.handle(.escape)
        #expect(!c.state.zoomed && c.state.focus == .nodes)
        c.handle(.enter)
        #expect(c.state.zoomed)
        c.handle(.enter)
        #expect(!c.state.zoomed)
    }

    @Test func wAndVChooseTheFlowChartsRangeAndWorkload() {
        let c = make()
        c.handle(.character("w"))
        #expect(c.state.flowRange == 1 && c.state.notice?.text == "flow over 10m")
        c.handle(.character("w")); c.handle(.character("w"))
        #expect(c.state.flowRange == 0)
        c.handle(.character("v"))
        #expect(c.state.flowWorkload == .payment)
        for _ in 0..<3 { c.handle(.character("v")) }
        #expect(c.state.flowWorkload == nil && c.state.notice?.text == "flow of all workloads")
    }

    @Test func selectionWrapsAndDrainFailRecoverActOnIt() throws {
        let c = make()
        c.handle(.up)
        #expect(c.state.selectedNode == 5)
        c.handle(.down); c.handle(.character("j")); c.handle(.tab)
        #expect(c.state.selectedNode == 2)
        c.handle(.character("k"))
        #expect(c.state.selectedNode == 1)
        c.handle(.character("d"))
        #expect(c.simulation!.snapshot().nodes[1].state == .draining || c.simulation!.snapshot().nodes[1].state == .drained)
        #expect(c.state.notice?.text == "drain node-2")
        c.handle(.character("r"))
        #expect(c.state.notice?.text == "recover node-2")
        // Fail asks first; anything but y cancels.
        c.handle(.character("f"))
        #expect(c.state.mode == .confirmFail(node: 1))
        c.handle(.character("n"))
        #expect(c.state.mode == .normal)
        #expect(c.simulation!.snapshot().events.allSatisfy { !$0.message.contains("node-2 failed") })
        c.handle(.character("f")); c.handle(.character("y"))
        #expect(c.simulation!.snapshot().events.contains { $0.message.hasPrefix("node-2 failed") })
        // A refused command says why.
        c.handle(.character("f")); c.handle(.character("y"))
        #expect(c.state.notice?.severity == .warn)
        #expect(c.state.notice?.text.contains("already failed") == true)
    }

    @Test func globalKeysDriveTheModel() {
        let c = make()
        let sim = c.simulation!
        c.handle(.character("+"))
        #expect(sim.baseRateTPS == 1_250)
        c.handle(.character("-")); c.handle(.character("-"))
        #expect(sim.baseRateTPS == 750)
        c.handle(.character("s"))
        #expect(sim.snapshot().spikes.first?.factor == 5)
        let lb = sim.balancerAlgorithm
        c.handle(.character("l"))
        #expect(sim.balancerAlgorithm != lb)
        c.handle(.character("p"))
        #expect(sim.commitProtocol == .threePhase)
        c.handle(.character("p"))
        #expect(sim.commitProtocol == .twoPhase)
        c.handle(.character("c"))
        #expect(sim.cache.stats.flushes == 1)
        c.handle(.character(" "))
        #expect(sim.paused)
        c.handle(.character(" "))
        #expect(!sim.paused)
        c.handle(.character(">"))
        #expect(c.state.speed == 2)
        c.handle(.character("<")); c.handle(.character("<"))
        #expect(c.state.speed == 0.5)
        c.handle(.character("?"))
        #expect(c.state.mode == .help)
        c.handle(.character("x"))
        #expect(c.state.mode == .normal)
        c.handle(.character("q"))
        #expect(c.state.quit)
    }

    @Test func interruptQuitsFromAnyMode() {
        let c = make()
        c.handle(.character(":"))
        c.handle(.interrupt)
        #expect(c.state.quit)
    }

    @Test func promptRunsCommandsAtOnceAndKeepsHistory() {
        let c = make()
        c.handle(.character(":"))
        type(c, "crash shard-2")
        c.handle(.enter)
        #expect(c.state.mode == .normal)
        #expect(!c.simulation!.snapshot().shards[1].up, "no confirmation for a typed command")
        c.handle(.character(":"))
        type(c, "lb rr")
        c.handle(.enter)
        #expect(c.simulation!.balancerAlgorithm == .roundRobin)
        c.handle(.character(":"))
        c.handle(.up)
        #expect(c.state.promptText == "lb rr")
        c.handle(.up)
        #expect(c.state.promptText == "crash shard-2")
        c.handle(.up)
        #expect(c.state.promptText == "crash shard-2", "stops at the oldest")
        c.handle(.down)
        #expect(c.state.promptText == "lb rr")
        c.handle(.down)
        #expect(c.state.promptText == "")
        c.handle(.escape)
        #expect(c.state.mode == .normal)
    }

    @Test func promptErrorsStayInPlaceWithTheColumn() {
        let c = make()
        c.handle(.character(":"))
        type(c, "drain node-99")
        c.handle(.enter)
        #expect(c.state.mode == .prompt)
        #expect(c.state.promptError?.column == 7)
        #expect(c.state.promptError?.message.contains("node-1 … node-6") == true)
        // Editing clears the error; fixing the text runs it.
        c.handle(.backspace)
        #expect(c.state.promptError == nil)
        c.handle(.backspace)
        type(c, "3")
        c.handle(.enter)
        #expect(c.state.mode == .normal)
        #expect(c.state.notice?.text == "drain node-3")
    }

    @Test func tabCompletesCommandsAndNames() {
        let c = make()
        c.handle(.character(":"))
        type(c, "dr")
        c.handle(.tab)
        #expect(c.state.promptText == "drain ")
        type(c, "node-")
        c.handle(.tab)
        #expect(c.state.promptText == "drain node-", "ambiguous: nothing to add")
        #expect(c.state.completions.count == 6)
        type(c, "4")
        #expect(c.state.completions.isEmpty)
        c.handle(.enter)
        #expect(c.simulation!.snapshot().nodes[3].state != .up)
    }

    @Test func filterAndClicks() {
        let c = make()
        c.handle(.character("/"))
        type(c, "drain")
        c.handle(.enter)
        #expect(c.state.eventFilter == "drain")
        c.handle(.escape)
        #expect(c.state.eventFilter == "")
        c.nodeRowsOrigin = (x: 0, y: 8, width: 70, first: 0)
        c.handle(.click(x: 10, y: 11))
        #expect(c.state.selectedNode == 3)
        c.handle(.click(x: 10, y: 40))
        #expect(c.state.selectedNode == 3, "a click below the rows selects nothing")
        c.handle(.click(x: 90, y: 9))
        #expect(c.state.selectedNode == 3, "a click outside the panel selects nothing")
    }

    /// A click focuses the panel under it, where the screen last drew it.
    @Test func aClickFocusesThePanelUnderIt() {
        let c = make()
        var screen = Screen(snapshot: c.simulation!.snapshot(), state: c.state, theme: .monochromeBuiltIn, glyphs: .unicode, width: 160, height: 48)
        _ = screen.render()
        c.panelRects = screen.panelRects
        #expect(Set(screen.panelRects.map(\.panel)) == Set(ConsoleState.Panel.allCases))
        let events = screen.panelRects.first { $0.panel == .events }!.rect
        c.handle(.click(x: events.x + 3, y: events.y + 2))
        #expect(c.state.focus == .events)
        c.handle(.character("e"))
        #expect(c.state.zoomed)
        let queues = screen.panelRects.first { $0.panel == .queues }!.rect
        c.handle(.click(x: queues.maxX - 1, y: queues.maxY - 1))
        #expect(c.state.focus == .queues)
        // Off every panel (the header row): the focus stays.
        c.handle(.click(x: 5, y: 0))
        #expect(c.state.focus == .queues)
    }
}
