import PaySim

extension Screen {
    /// A row per shard: state, locks held, participants in doubt, commit p99.
    mutating func drawShards(_ r: Rect) {
        canvas.box(r, title: "Shards", glyphs: glyphs)
        let inner = r.inner
        let table = Table(columns: [
            .init(title: "shard", width: 8, align: .left, priority: 0),
            .init(title: "state", width: 8, align: .left, priority: 0),
            .init(title: "locks", width: 5, priority: 0),
            .init(title: "doubt", width: 5, priority: 1),
            .init(title: "commit p99", width: 10, priority: 2),
            .init(title: "restart", width: 7, priority: 3),
            .init(title: "reads/s", width: 7, priority: 4),
        ])
        table.drawHeader(&canvas, x: inner.x, y: inner.y, width: inner.width)
        for (i, s) in snapshot.shards.enumerated() where i + 1 < inner.height {
            let state: (String, Style) = !s.up
                ? ("\(glyphs.down) down", alert(.critical))
                : s.partitioned ? ("\(glyphs.draining) cutoff", alert(.warn)) : ("\(glyphs.up) up", Style(.ok))
            table.drawRow(&canvas, [
                .text(s.name, Style(.text)),
                .text(state.0, state.1),
                .text(Format.count(Double(s.locksHeld)), Style(.text)),
                .text(String(s.inDoubt), s.inDoubt > 0 ? alert(.critical) : Style(.dim)),
                .text(Format.milliseconds(s.commitP99Milliseconds), Style(.text)),
                .text(s.restartsIn.map { "in " + Format.duration($0) } ?? "", Style(.warn)),
                .text(Format.count(s.readsPerSecond), Style(.dim)),
            ], x: inner.x, y: inner.y + 1 + i, width: inner.width)
        }
    }
}
