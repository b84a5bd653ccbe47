import PaySim

extension Screen {
    /// The newest events that fit, newest last, coloured by severity and
    /// narrowed by the `/` filter.
    mutating func drawEvents(_ r: Rect) {
        let filter = state.eventFilter.lowercased()
        let title = filter.isEmpty ? "Events" : "Events /\(state.eventFilter)"
        canvas.box(r, title: title, glyphs: glyphs)
        let inner = r.inner
        guard inner.height > 0 else { return }
        let events = filter.isEmpty ? snapshot.events : snapshot.events.filter { $0.message.lowercased().contains(filter) }
        if events.isEmpty {
            canvas.put(filter.isEmpty ? "no events yet" : "no events match '\(state.eventFilter)'", x: inner.x, y: inner.y, style: Style(.dim))
            return
        }
        let shown = events.suffix(inner.height)
        for (i, e) in shown.enumerated() {
            let y = inner.y + i
            var x = canvas.put(e.time.clockText + " ", x: inner.x, y: y, style: Style(.dim), maxWidth: inner.width)
            x = canvas.put(e.severity.description + "  ", x: x, y: y, style: Style(severityRole(e.severity), bold: e.severity != .info),
                           maxWidth: inner.maxX - x)
            canvas.put(e.message, x: x, y: y, style: Style(e.severity == .info ? .text : severityRole(e.severity)), maxWidth: inner.maxX - x)
        }
    }
}
