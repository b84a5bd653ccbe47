import PaySim

extension Screen {
    /// The top line: clock and speed, rates and spikes, balancer, protocol,
    /// seed, cache backend and the ledger's verdict. Segments that do not
    /// fit are dropped from the right, least important first.
    mutating func drawHeader() {
        let s = snapshot
        var segments: [(text: String, style: Style, priority: Int)] = []
        var clock = "\(s.time.clockText) ×\(Format.speed(state.speed))"
        if s.paused { clock += " PAUSED" }
        segments.append((clock, Style(s.paused ? .warn : .text, bold: s.paused), 0))
        if let achieved = state.achievedSpeed, achieved < state.speed * 0.95 {
            segments.append(("behind: ×\(Format.trim(achieved / state.speed, 1)) of real time", alert(.warn), 1))
        }
        let tps = s.workloads.reduce(0) { $0 + $1.committedTPS }
        var rate = "\(Format.count(tps)) tps (base \(Format.count(s.baseRateTPS))"
        for spike in s.spikes {
            rate += ", spike ×\(Format.factor(spike.factor))\(spike.workload.map { " \($0.displayName)" } ?? "") \(Format.duration(spike.remaining))"
        }
        rate += ")"
        segments.append((rate, Style(s.spikes.isEmpty ? .text : .warn, bold: !s.spikes.isEmpty), 1))
        let ledger: (String, Style) = s.ledger.balanced
            ? ("ledger \(glyphs.ok) balanced", Style(.ok))
            : ("ledger ✖ \(s.ledger.violationCount) violation\(s.ledger.violationCount == 1 ? "" : "s")", alert(.critical))
        segments.append((ledger.0, ledger.1, 1))
        segments.append(("lb \(s.balancer)", Style(.text), 3))
        segments.append(("\(s.commitProtocol)", Style(.text), 3))
        if !s.gatewayUp { segments.append(("gateway DOWN", alert(.critical), 1)) }
        // Down is short and kept before nearly everything; the URL is in the events.
        segments.append(s.cache.available ? ("cache \(s.cache.backend)", Style(.text), 4) : ("cache DOWN", alert(.critical), 1))
        if s.log.backend != "embedded" {
            segments.append(s.log.available ? ("log \(s.log.backend)", Style(.text), 4) : ("log DOWN", alert(.critical), 1))
        }
        segments.append(("seed \(s.seed)", Style(.dim), 5))

        let title = " payops "
        let sep = " \(glyphs.separator) "
        var budget = canvas.width - title.count - 1
        var kept = Set<Int>()
        for i in segments.indices.sorted(by: { segments[$0].priority < segments[$1].priority }) {
            let need = segments[i].text.count + (kept.isEmpty ? 1 : sep.count)
            if need <= budget { kept.insert(i); budget -= need }
        }
        var x = canvas.put(title, x: 0, y: 0, style: Style(.title, bold: true, reverse: true))
        x += 1
        var first = true
        for i in segments.indices where kept.contains(i) {
            if !first { x = canvas.put(sep, x: x, y: 0, style: Style(.border)) }
            x = canvas.put(segments[i].text, x: x, y: 0, style: segments[i].style)
            first = false
        }
    }
}
