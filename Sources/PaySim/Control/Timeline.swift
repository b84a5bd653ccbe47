extension MetricsSnapshot {
    /// What a drill or replay has done, what is in force now and what
    /// comes next: the console's Timeline strip.
    public struct Timeline: Sendable, Equatable, Codable {
        public struct Mark: Sendable, Equatable, Codable {
            public var at: SimTime
            public var text: String
            /// The drill's own step, or an operator's action (then `who` did it).
            public var byDrill: Bool
            public var who: String
        }
        /// A fault or a protection switched off, in force now; `remaining`
        /// when something will end it (its own length, an automatic
        /// restart, or a later step of the drill).
        public struct Fault: Sendable, Equatable, Codable {
            public var text: String
            public var remaining: SimDuration?
        }
        /// The latest actions, oldest first.
        public var recent: [Mark]
        /// The drill's next steps.
        public var next: [Mark]
        public var faults: [Fault]
    }
}

extension Simulation {
    /// How many past actions and future steps the strip is given.
    static let timelineMarks = 4

    var timeline: MetricsSnapshot.Timeline {
        let recent = actions.suffix(Simulation.timelineMarks).map {
            MetricsSnapshot.Timeline.Mark(at: $0.at, text: $0.command, byDrill: $0.origin == "drill", who: $0.who)
        }
        let upcoming = upcomingDrillSteps
        let next = upcoming.prefix(Simulation.timelineMarks).map {
            MetricsSnapshot.Timeline.Mark(at: SimTime(microseconds: $0.at.microseconds), text: "\($0.command)", byDrill: true, who: "drill")
        }
        return MetricsSnapshot.Timeline(recent: Array(recent), next: Array(next), faults: activeFaults(upcoming: upcoming))
    }

    /// The drill's steps still to run.
    var upcomingDrillSteps: ArraySlice<Scenario.Step> {
        guard let drill, drillStepsDone < drill.steps.count, arrivalsOpen else { return [] }
        return drill.steps[drillStepsDone...]
    }

    /// Every fault and switched-off protection in force, in a fixed order,
    /// each with the time left until something ends it, when anything will.
    func activeFaults(upcoming: ArraySlice<Scenario.Step>) -> [MetricsSnapshot.Timeline.Fault] {
        /// When a later drill step undoes `command`, the time until then.
        func endedByDrill(_ command: OperatorCommand) -> SimDuration? {
            guard let end = Scenario.ending(of: command, consumers: [:]) else { return nil }
            let step = upcoming.first { step in
                if case .consumers(let g, _) = command, case .consumers(let g2, let n) = step.command { return g == g2 && n > 0 }
                return step.command == end
            }
            return step.map { SimDuration(microseconds: max(0, $0.at.microseconds - nowMicros)) }
        }
        func left(_ until: Int64) -> SimDuration { SimDuration(microseconds: max(0, until - nowMicros)) }
        func earliest(_ a: SimDuration?, _ b: SimDuration?) -> SimDuration? {
            switch (a, b) {
            case let (x?, y?): min(x, y)
            default: a ?? b
            }
        }
        var out: [MetricsSnapshot.Timeline.Fault] = []
        func add(_ command: OperatorCommand, _ text: String? = nil, until: Int64? = nil) {
            out.append(.init(text: text ?? "\(command)", remaining: earliest(until.map(left), endedByDrill(command))))
        }
        for s in spikes where s.endsAt > nowMicros {
            out.append(.init(text: "spike ×\(Simulation.format(s.factor))\(s.workload.map { " \($0.name)" } ?? "")", remaining: left(s.endsAt)))
        }
        if let ramp {
            out.append(.init(text: "ramp → \(Simulation.format(ramp.to)) tps\(ramp.workload.map { " \($0.name)" } ?? "")", remaining: ramp.remaining(at: now)))
        }
        for cut in network.cuts where cut.until > nowMicros {
            out.append(.init(text: "partition \(cut.text)", remaining: left(cut.until)))
        }
        if !gateway.up { add(.gatewayDown, "gateway down") }
        if gateway.slowFactor != 1 { add(.gatewaySlow(factor: gateway.slowFactor), "gateway slow ×\(Simulation.format(gateway.slowFactor))") }
        if gateway.dropAnswerFraction > 0 {
            add(.gatewayTimeouts(percent: gateway.dropAnswerFraction * 100), "gateway timeouts \(Simulation.format(gateway.dropAnswerFraction * 100))%")
        }
        for n in nodes {
            if !n.alive {
                add(.failNode(n.index), "\(n.name) failed")
            } else if n.draining {
                add(.drainNode(n.index), "\(n.name) drained")
            }
            if n.slowFactor != 1 { add(.slowNode(n.index, factor: n.slowFactor), "\(n.name) slow ×\(Simulation.format(n.slowFactor))") }
        }
        for s in shards where !s.up { add(.crashShard(s.index), "\(s.name) crashed", until: s.restartAt) }
        for (i, c) in coordinators.enumerated() where !c.up { add(.crashCoordinator(i), "coordinator \(c.name) crashed", until: c.restartAt) }
        for g in groups where g.consumers == 0 { add(.consumers(group: g.name, count: 0), "\(g.name) has no consumers") }
        if payoutsPaused { add(.payouts(paused: true), "payouts paused") }
        if !resilience.breakers { add(.breakers(false), "breakers off") }
        if !resilience.ejection { add(.ejection(false), "ejection off") }
        if resilience.retryBudgetPercent == nil { add(.retryBudget(percent: nil), "retry budget off") }
        return out
    }
}
