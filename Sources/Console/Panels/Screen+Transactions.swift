import PaySim

extension Screen {
    /// A row per workload: rates, outcomes as shares, windowed latency,
    /// in-doubt count and a committed-tps sparkline.
    mutating func drawTransactions(_ r: Rect) {
        canvas.box(r, title: "Transactions", glyphs: glyphs)
        let inner = r.inner
        let table = Table(columns: [
            .init(title: "workload", width: 8, align: .left, priority: 0),
            .init(title: "tps", width: 6, priority: 0),
            .init(title: "ok", width: 6, priority: 1),
            .init(title: "declined", width: 8, priority: 3),
            .init(title: "aborted", width: 7, priority: 4),
            .init(title: "failed", width: 6, priority: 2),
            .init(title: "p50", width: 6, priority: 1),
            .init(title: "p99", width: 6, priority: 1),
            .init(title: "doubt", width: 5, priority: 2),
            .init(title: "60s", width: 4, align: .left, priority: 5, flexible: true),
        ])
        table.drawHeader(&canvas, x: inner.x, y: inner.y, width: inner.width)
        for (i, w) in snapshot.workloads.enumerated() where i + 1 < inner.height {
            let st = w.stats
            let done = Double(max(1, st.finished))
            let share = { (n: Int64) in Format.percent(Double(n) / done) }
            let glyphs = self.glyphs, theme = self.theme
            let history = w.tpsHistory
            let ok = st.finished == 0 ? "–" : share(st.committed)
            table.drawRow(&canvas, [
                .text(w.workload.displayName, Style(.text)),
                .text(Format.count(w.committedTPS), Style(.text, bold: true)),
                .text(ok, Style(.ok)),
                .text(st.finished == 0 ? "–" : share(st.declined), Style(st.declined > 0 ? .warn : .dim)),
                .text(st.finished == 0 ? "–" : share(st.aborted), Style(st.aborted > 0 ? .warn : .dim)),
                .text(st.finished == 0 ? "–" : share(st.failed), st.failed > 0 ? alert(.critical) : Style(.dim)),
                .text(Format.milliseconds(w.p50Milliseconds), Style(.text)),
                .text(Format.milliseconds(w.p99Milliseconds), Style(.text)),
                .text(String(w.inDoubt), w.inDoubt > 0 ? alert(.critical) : Style(.dim)),
                .draw { c, x, y, width in Widgets.sparkline(&c, history, x: x, y: y, width: width, glyphs: glyphs, theme: theme) },
            ], x: inner.x, y: inner.y + 1 + i, width: inner.width)
        }
    }
}
