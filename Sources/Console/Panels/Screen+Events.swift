import PaySim

extension Screen {
    /// The newest events that fit, newest last, coloured by severity and
    /// narrowed by the `/` filter. Zoomed, every line is whole (long ones
    /// wrap under their message) and ↑ ↓ PgUp PgDn Home End scroll back
    /// through all the events kept, the title saying where the view is.
    mutating func drawEvents(_ r: Rect) {
        let filter = state.eventFilter.lowercased()
        let events = filter.isEmpty ? snapshot.events : snapshot.events.filter { $0.message.lowercased().contains(filter) }
        let zoomed = state.zoomed && state.focus == .events
        let inner = r.inner
        var title = filter.isEmpty ? "Events" : "Events /\(state.eventFilter)"
        // Zoomed: the lines to show, each event wrapped to the width after its time and severity.
        let indent = 15
        var lines: [(event: SimLogEntry, text: String, first: Bool)] = []
        if zoomed {
            for e in events {
                let wrapped = Screen.wrap(e.message, width: max(10, inner.width - indent), maxLines: 20)
                for (i, l) in wrapped.enumerated() { lines.append((e, l, i == 0)) }
            }
        } else {
            lines = events.suffix(max(0, inner.height)).map { ($0, $0.message, true) }
        }
        let scroll = zoomed ? min(state.eventScroll, max(0, lines.count - inner.height)) : 0
        if zoomed && !events.isEmpty {
            title += scroll == 0 ? " · \(events.count) kept · newest" : " · \(events.count) kept · \(scroll) lines back (End: newest)"
        }
        canvas.box(r, title: title, glyphs: glyphs)
        guard inner.height > 0 else { return }
        if events.isEmpty {
            canvas.put(filter.isEmpty ? "no events yet" : "no events match '\(state.eventFilter)'", x: inner.x, y: inner.y, style: Style(.dim))
            return
        }
        let end = lines.count - scroll
        let shown = lines[max(0, end - inner.height)..<end]
        for (i, line) in shown.enumerated() {
            let y = inner.y + i
            let e = line.event
            var x = inner.x
            if line.first {
                x = canvas.put(e.time.clockText + " ", x: inner.x, y: y, style: Style(.dim), maxWidth: inner.width)
                x = canvas.put(e.severity.description + "  ", x: x, y: y, style: Style(severityRole(e.severity), bold: e.severity != .info),
                               maxWidth: inner.maxX - x)
            } else {
                x = inner.x + indent
            }
            canvas.put(line.text, x: x, y: y, style: Style(e.severity == .info ? .text : severityRole(e.severity)), maxWidth: inner.maxX - x)
        }
    }
}
