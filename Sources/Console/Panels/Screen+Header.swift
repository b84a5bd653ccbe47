import PaySim

extension Screen {
    /// The top line: clock and speed; offered load, goodput, shed and the
    /// error rate (over the last 10 s); spikes and partitions in force;
    /// balancer, protocol, seed, backends and the ledger's verdict. Segments
    /// that do not fit are dropped, least important first.
    mutating func drawHeader() {
        let s = snapshot
        var segments: [(text: String, style: Style, priority: Int)] = []
        var clock = "\(s.time.clockText) ×\(Format.speed(state.speed))"
        if s.paused { clock += " PAUSED" }
        segments.append((clock, Style(s.paused ? .warn : .text, bold: s.paused), 0))
        if state.frozenAt != nil {
            // Time travel: what is shown is this far behind the live platform.
            let behind = SimTime(microseconds: state.frozenBehind.microseconds).clockText
            segments.append(("⏸ −\(behind.hasPrefix("00:") ? String(behind.dropFirst(3)) : behind)", Style(.warn, bold: true, reverse: true), 0))
        }
        if let achieved = state.achievedSpeed, achieved < state.speed * 0.95 {
            segments.append(("behind: ×\(Format.trim(achieved / state.speed, 1)) of real time", alert(.warn), 1))
        }
        // Load as four numbers: what arrived, what committed, what was shed, and errors.
        let load = s.totalRates
        segments.append(("offered \(Format.count(load.offered))/s", Style(.text), 1))
        segments.append(("goodput \(Format.count(load.goodput))/s", Style(.text, bold: true), 1))
        for spike in s.spikes {
            segments.append(("spike ×\(Format.factor(spike.factor))\(spike.workload.map { " \($0.displayName)" } ?? "") \(Format.duration(spike.remaining))",
                             alert(.warn), 1))
        }
        if let d = s.drill {
            // The drill: how far it has come, and what it does next and when.
            let clock = SimTime(microseconds: d.nextAt?.microseconds ?? 0).clockText
            let at = clock.hasPrefix("00:") ? String(clock.dropFirst(3)) : clock
            let next = d.next.map { " ▲ \(at) \($0)" } ?? " done"
            segments.append(("drill \(d.name) \(d.done)/\(d.total)\(next)", Style(.accent, bold: true), 1))
        }
        if let r = s.ramp {
            segments.append(("ramp\(r.workload.map { " \($0.displayName)" } ?? "") → \(Format.count(r.to)) \(Format.duration(r.remaining(at: s.time)))", alert(.warn), 1))
        }
        for cut in s.partitions {
            segments.append(("partition \(cut.text) \(Format.duration(cut.remaining))", alert(.critical), 1))
        }
        segments.append(("shed \(Format.count(load.shed))/s", load.shed > 0 ? alert(.warn) : Style(.dim), 2))
        let errorShare = s.errorRate
        segments.append(("err \(errorShare.map { Format.percent($0) } ?? "–")", (errorShare ?? 0) > 0.01 ? alert(.critical) : Style(.dim), 2))
        segments.append(("retries \(Format.count(load.retries))/s", Style(load.retries > load.offered * 0.1 ? .warn : .dim), 4))
        segments.append(("base \(Format.count(s.baseRateTPS))", Style(.dim), 5))
        // Balanced and reconciled, or what is wrong: violations of the
        // ledger's invariants, breaks between its records.
        var wrong: [String] = []
        if !s.ledger.balanced { wrong.append("\(s.ledger.violationCount) violation\(s.ledger.violationCount == 1 ? "" : "s")") }
        if !s.money.reconciles { wrong.append("\(s.money.breakCount) break\(s.money.breakCount == 1 ? "" : "s")") }
        let ledger: (String, Style) = wrong.isEmpty
            ? ("ledger \(glyphs.ok) balanced", Style(.ok))
            : ("ledger ✖ \(wrong.joined(separator: ", "))", alert(.critical))
        // The ledger's verdict is what the screen exists to be truthful about: kept first.
        segments.append((ledger.0, ledger.1, 0))
        if let link = state.session {
            segments.append((link.text, link.severity == .info ? Style(.accent, bold: true) : alert(link.severity == .crit ? .critical : .warn), 0))
        }
        if state.readOnly { segments.append((state.session == nil ? "READ-ONLY" : "OBSERVER", alert(.warn), 0)) }
        if let r = state.replay {
            segments.append((r.ended ? "REPLAY ended" : "REPLAY \(r.applied)/\(r.total) → \(r.end.clockText)", alert(.warn), 0))
        }
        // Thresholds, after the ledger: how many hold now, or the first that does not.
        if !s.thresholds.isEmpty {
            let failing = s.thresholds.filter(\.breached)
            if failing.isEmpty {
                let ever = s.thresholds.filter { !$0.held }.count
                segments.append(("SLO \(glyphs.ok) \(s.thresholds.count)/\(s.thresholds.count)\(ever > 0 ? " (\(ever) breached earlier)" : "")", Style(ever > 0 ? .warn : .ok), 1))
            } else {
                let f = failing[0]
                let more = failing.count > 1 ? " +\(failing.count - 1)" : ""
                segments.append(("SLO ✖ \(f.threshold.metric) \(f.current.map { f.threshold.display($0) } ?? "–")\(more)", alert(.critical), 0))
            }
        }
        segments.append(("lb \(s.balancer)", Style(.text), 3))
        segments.append(("\(s.commitProtocol)", Style(.text), 3))
        if !s.gatewayUp { segments.append(("gateway DOWN", alert(.critical), 1)) }
        // A protection switched off is the state an operator most needs to see.
        let r = s.resilience
        var off: [String] = []
        if r.retryBudgetPercent == nil { off.append("retry budget") }
        if !r.breakers { off.append("breakers") }
        if r.bulkheadConnections == nil { off.append("bulkhead") }
        if r.deadline == nil { off.append("deadline") }
        if !r.ejection { off.append("ejection") }
        if r.merchantRateLimitPerSecond == nil { off.append("rate limit") }
        if !off.isEmpty { segments.append((off.joined(separator: ", ") + " OFF", alert(.warn), 1)) }
        if s.gateway.breakersOpen > 0 { segments.append(("\(s.gateway.breakersOpen) breaker\(s.gateway.breakersOpen == 1 ? "" : "s") open", alert(.warn), 2)) }
        // Down is short and kept before nearly everything; the URL is in the events.
        if s.log.backend != "embedded" && s.log.backend == s.cache.backend && s.cache.available && s.log.available {
            segments.append(("cache+log \(s.cache.backend)", Style(.text), 3))
        } else {
            segments.append(s.cache.available ? ("cache \(s.cache.backend)", Style(.text), 3) : ("cache DOWN", alert(.critical), 1))
            if s.log.backend != "embedded" {
                segments.append(s.log.available ? ("log \(s.log.backend)", Style(.text), 3) : ("log DOWN", alert(.critical), 1))
            }
        }
        segments.append(("seed \(s.seed)", Style(.dim), 6))

        let x = canvas.put(" payops ", x: 0, y: 0, style: Style(.title, bold: true, reverse: true))
        putFitting(segments, x: x + 1, y: 0, width: canvas.width - x - 1)
    }

    /// Puts as many segments as fit in `width`, the most important first
    /// (lowest priority number), in their given order, with separators.
    mutating func putFitting(_ segments: [(text: String, style: Style, priority: Int)], x start: Int, y: Int, width: Int) {
        let sep = " \(glyphs.separator) "
        let kept = Table.keep(count: segments.count, width: { Canvas.width(of: segments[$0].text) }, priority: { segments[$0].priority },
                              separator: Canvas.width(of: sep), budget: width).kept
        var x = start
        var first = true
        for i in segments.indices where kept[i] {
            if !first { x = canvas.put(sep, x: x, y: y, style: Style(.border)) }
            x = canvas.put(segments[i].text, x: x, y: y, style: segments[i].style)
            first = false
        }
    }
}
