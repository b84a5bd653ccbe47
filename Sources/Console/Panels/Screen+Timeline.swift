import PaySim

extension Screen {
    /// Whether the Timeline strip shows: while a drill or replay runs or
    /// thresholds are watched.
    var timelineShown: Bool {
        snapshot.timeline != nil && (snapshot.drill != nil || state.replay != nil || !snapshot.thresholds.isEmpty)
    }

    /// Rows the strip takes under the header: two on tall screens, one from
    /// 30 rows; below that it takes the footer's key hints instead, so no
    /// panel loses a row.
    var timelineRows: Int {
        guard timelineShown, canvas.height >= 30 else { return 0 }
        return canvas.height >= 36 ? 2 : 1
    }

    /// Below 30 rows the strip sits in the footer, left of the notice.
    var timelineInFooter: Bool { timelineShown && canvas.height < 30 }

    /// The Timeline strip: what happened (the drill's steps ▲, the
    /// operators' actions ●, each with its time), the faults in force with
    /// the time left, what the drill does next, and each threshold ✓ or ✗.
    /// On one row the least important pieces give way first: the oldest
    /// past, the later steps, the thresholds that hold.
    mutating func drawTimeline(rows: Int) {
        guard rows > 0 else { return }
        let w = canvas.width
        for y in 1...rows { canvas.fill(Rect(x: 0, y: y, width: w, height: 1), style: Style(.text)) }
        drawTimeline(rows: rows, x: 1, y: 1, width: w - 2)
    }

    mutating func drawTimeline(rows: Int, x: Int, y: Int, width: Int) {
        guard let t = snapshot.timeline else { return }
        var past: [(text: String, style: Style, priority: Int)] = []
        for (i, m) in t.recent.enumerated() {
            let newest = i == t.recent.count - 1
            let text = m.byDrill ? "▲ \(Screen.shortClock(m.at)) \(m.text)" : "● \(Screen.shortClock(m.at)) \(m.text) (\(m.who))"
            past.append((text, m.byDrill ? Style(.dim) : Style(.accent, bold: newest), newest ? 3 : 6 + t.recent.count - i))
        }
        var now: [(text: String, style: Style, priority: Int)] = []
        for (i, f) in t.faults.enumerated() {
            now.append(("⚠ \(f.text)\(f.remaining.map { " \(Format.duration($0)) left" } ?? "")", alert(.warn), i == 0 ? 1 : 4))
        }
        var next: [(text: String, style: Style, priority: Int)] = []
        for (i, m) in t.next.enumerated() {
            next.append(("▲ \(Screen.shortClock(m.at)) \(m.text)", Style(.text, bold: i == 0), i == 0 ? 2 : 5 + i))
        }
        if t.next.isEmpty, let d = snapshot.drill { next.append(("drill \(d.name) done", Style(.ok), 2)) }
        if let r = state.replay {
            next.append((r.ended ? "replay ended" : "replay → \(Screen.shortClock(r.end))", Style(.warn), 2))
        }
        var slo: [(text: String, style: Style, priority: Int)] = []
        for st in snapshot.thresholds {
            let failing = st.breached
            slo.append(("\(failing ? "✗" : glyphs.ok) \(st.threshold.metric)", failing ? alert(.critical) : Style(st.held ? .ok : .warn), failing ? 1 : 5))
        }
        let label: (String, Style, Int) = ("timeline", Style(.title, bold: true), 0)
        let nowMark: (String, Style, Int) = ("now \(Screen.shortClock(snapshot.time))", Style(.text, bold: true), 0)
        if rows == 1 {
            putFitting([label] + past + [nowMark] + now + next + slo, x: x, y: y, width: width)
        } else {
            putFitting([label] + past + [nowMark] + next, x: x, y: y, width: width)
            let inForce: (String, Style, Int) = t.faults.isEmpty ? ("nothing in force", Style(.dim), 0) : ("in force", Style(.title, bold: true), 0)
            let thresholds: [(text: String, style: Style, priority: Int)] = slo.isEmpty ? [] : [("thresholds", Style(.title, bold: true), 2)] + slo
            putFitting([inForce] + now + thresholds, x: x, y: y + 1, width: width)
        }
    }

    /// `mm:ss` within the first hour, `h:mm:ss` after.
    static func shortClock(_ t: SimTime) -> String {
        let c = t.clockText
        return c.hasPrefix("00:") ? String(c.dropFirst(3)) : c
    }
}
