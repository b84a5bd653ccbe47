import PaySim

extension Screen {
    /// A row per workload, all over the last 10 s: offered load, goodput,
    /// shed, the share of requests that failed (aborted or failed), latency
    /// of committed requests, outcome shares, in-doubt count and a goodput
    /// sparkline.
    mutating func drawTransactions(_ r: Rect) {
        canvas.box(r, title: "Transactions \(snapshot.window)s", glyphs: glyphs)
        let inner = r.inner
        let table = Table(columns: [
            .init(title: "workload", width: 8, align: .left, priority: 0),
            .init(title: "offered", width: 7, priority: 1),
            .init(title: "goodput", width: 7, priority: 0),
            .init(title: "shed", width: 5, priority: 2),
            .init(title: "err", width: 5, priority: 1),
            .init(title: "ok", width: 5, priority: 4),
            .init(title: "decl", width: 5, priority: 5),
            .init(title: "p50", width: 6, priority: 3),
            .init(title: "p99", width: 6, priority: 1),
            .init(title: "doubt", width: 5, priority: 2),
            .init(title: "60s", width: 4, align: .left, priority: 6, flexible: true),
        ])
        table.drawHeader(&canvas, x: inner.x, y: inner.y, width: inner.width)
        for (i, w) in snapshot.workloads.enumerated() where i + 1 < inner.height {
            let glyphs = self.glyphs, theme = self.theme
            let history = w.tpsHistory
            let err = w.errorRate
            let declined = w.share(.declined)
            table.drawRow(&canvas, [
                .text(w.workload.displayName, Style(.text)),
                .text(Format.count(w.rates.offered), Style(.text)),
                .text(Format.count(w.rates.goodput), Style(.text, bold: true)),
                .text(Format.count(w.rates.shed), w.rates.shed > 0 ? alert(.warn) : Style(.dim)),
                .text(err.map { Format.percent($0) } ?? "–", (err ?? 0) > 0.01 ? alert(.critical) : Style(.dim)),
                .text(w.share(.committed).map { Format.percent($0) } ?? "–", Style(.ok)),
                .text(declined.map { Format.percent($0) } ?? "–", Style((declined ?? 0) > 0 ? .warn : .dim)),
                .text(Format.milliseconds(w.p50Milliseconds), Style(.text)),
                .text(Format.milliseconds(w.p99Milliseconds), Style(.text)),
                .text(String(w.inDoubt), w.inDoubt > 0 ? alert(.critical) : Style(.dim)),
                .draw { c, x, y, width in Widgets.sparkline(&c, history, x: x, y: y, width: width, glyphs: glyphs, theme: theme) },
            ], x: inner.x, y: inner.y + 1 + i, width: inner.width)
        }
    }
}
