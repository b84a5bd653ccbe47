import PaySim

extension Screen {
    /// The trace view on the whole body: a list of sampled transactions,
    /// or one's waterfall in simulated time.
    mutating func drawTraces(_ r: Rect, _ v: ConsoleState.TraceView) {
        let t = snapshot.traces
        let lists = ConsoleState.TraceView.lists
        var title = "Traces · " + lists.enumerated().map { $0.offset == v.list ? "[\($0.element)]" : $0.element }.joined(separator: " ")
        title += " · \(v.workload?.displayName ?? "all workloads")"
        title += t.sampleEvery > 0 ? " · 1 in \(t.sampleEvery) sampled" : " · tracing off"
        canvas.box(r, title: title, glyphs: glyphs)
        let inner = r.inner
        guard inner.height >= 3, inner.width >= 40 else { return }
        let list = ConsoleController.traceList(t, v)
        let footer = v.open ? "esc list  ↑↓ another  tab next list" : "enter waterfall  ↑↓ select  tab/←→ list  \(state.bindings.label(.flowWorkload, max: 1)) workload  esc close"
        canvas.put(footer, x: inner.x, y: inner.maxY - 1, style: Style(.dim), maxWidth: inner.width)
        let body = Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - 1)
        guard !list.isEmpty else {
            let why = t.sampleEvery == 0 ? "tracing is off" : v.list == 2 ? "no sampled request has failed lately" : v.list == 3 ? "no sampled transaction has been in doubt lately" : "no sampled request has finished yet"
            canvas.put(why, x: body.x + 1, y: body.y + 1, style: Style(.dim))
            return
        }
        let selected = min(v.selected, list.count - 1)
        if v.open {
            drawWaterfall(list[selected], body)
        } else {
            drawTraceList(list, selected: selected, body)
        }
    }

    mutating func drawTraceList(_ list: [TransactionTrace], selected: Int, _ r: Rect) {
        let header = "arrived   workload outcome      latency  tries  via      account       card"
        canvas.put(header, x: r.x, y: r.y, style: Style(.dim), maxWidth: r.width)
        for (i, tr) in list.enumerated() {
            let y = r.y + 1 + i
            guard y < r.maxY else { break }
            let node = tr.steps.first { $0.lane == "balancer" && $0.label.hasPrefix("→") }.map { String($0.label.dropFirst(2).prefix { $0 != " " }) } ?? "–"
            let latency = tr.latency.map { Format.milliseconds(Double($0) / 1_000) } ?? "in flight"
            let outcome = (tr.outcome ?? "–") + (tr.inDoubt ? " ⧗" : "")
            let line = [pad(tr.arrivedAt.clockText, 9), pad(tr.workload.displayName, 8), pad(outcome, 12), lpad(latency, 8),
                        lpad("\(tr.attempts)", 6), " " + pad(node, 8), pad(tr.account, 13), tr.card ?? ""].joined(separator: " ")
            let style = tr.failed ? Style(.critical) : Style(.text)
            var s = style
            if i == selected { s.reverse = true }
            canvas.fill(Rect(x: r.x, y: y, width: r.width, height: 1), style: i == selected ? Style(.text, reverse: true) : Style(.text))
            canvas.put(line, x: r.x, y: y, style: s, maxWidth: r.width)
        }
    }

    /// Each step on its own row: who, what, and a bar on one time scale
    /// from arrival to the last step (instants as a mark).
    mutating func drawWaterfall(_ tr: TransactionTrace, _ r: Rect) {
        let total = max(1, tr.steps.map(\.end).max() ?? 1, tr.latency ?? 1)
        var head = "#\(tr.id) \(tr.workload.displayName) \(tr.outcome ?? "in flight")"
        head += tr.latency.map { " in \(Format.milliseconds(Double($0) / 1_000))" } ?? ""
        head += " · \(tr.attempts) attempt\(tr.attempts == 1 ? "" : "s") · \(tr.account)"
        if let card = tr.card { head += " · card \(card)" }
        if tr.inDoubt { head += " · in doubt" }
        canvas.put(head, x: r.x, y: r.y, style: Style(tr.failed ? .critical : .text, bold: true), maxWidth: r.width)
        let laneW = min(22, r.width / 6), labelW = min(48, max(16, r.width / 3))
        let barX = r.x + laneW + labelW + 2, barW = max(10, r.width - laneW - labelW - 2 - 10)
        canvas.put("0", x: barX, y: r.y + 1, style: Style(.dim))
        canvas.putRight(Format.milliseconds(Double(total) / 1_000), right: barX + barW - 1, y: r.y + 1, style: Style(.dim))
        let steps = tr.steps.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }.map(\.element)
        let rows = r.height - 2
        let shown = steps.count > rows ? Array(steps.prefix(rows - 1)) : steps
        for (i, s) in shown.enumerated() {
            let y = r.y + 2 + i
            canvas.put(s.lane, x: r.x, y: y, style: Style(.accent), maxWidth: laneW - 1)
            canvas.put(TransactionTrace.readable(s.label), x: r.x + laneW, y: y, style: Style(.text), maxWidth: labelW)
            let a = Int(Double(s.start) / Double(total) * Double(barW - 1))
            let b = Int(Double(s.end) / Double(total) * Double(barW - 1))
            if s.end > s.start {
                for x in a...max(a, b) where x < barW { canvas.put(String(glyphs.barFull), x: barX + x, y: y, style: Style(s.lane == "client" ? .dim : .accent)) }
                canvas.put(Format.milliseconds(Double(s.end - s.start) / 1_000), x: barX + barW + 1, y: y, style: Style(.dim), maxWidth: 9)
            } else {
                canvas.put("◆", x: barX + min(a, barW - 1), y: y, style: Style(.warn))
            }
        }
        if shown.count < steps.count {
            canvas.put("… \(steps.count - shown.count) more steps", x: r.x, y: r.y + 2 + shown.count, style: Style(.dim))
        }
        if tr.stepsDropped > 0 {
            canvas.putRight("\(tr.stepsDropped) steps past \(64) not kept", right: r.maxX - 1, y: r.y, style: Style(.dim))
        }
    }

    private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? String(s.prefix(n)) : s + String(repeating: " ", count: n - s.count) }
    private func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
}
