import PaySim

extension Screen {
    /// A row per shard, over the last 10 s: state, CPU utilisation, locks
    /// held, participants in doubt, mean wait for a core, commit p99, log
    /// device utilisation and records per fsync, restart, reads served.
    mutating func drawShards(_ r: Rect) {
        canvas.box(r, title: "Shards", glyphs: glyphs)
        let inner = r.inner
        let table = Table(columns: [
            .init(title: "shard", width: 8, align: .left, priority: 0),
            .init(title: "state", width: 8, align: .left, priority: 0),
            .init(title: "cpu", width: 4, priority: 0),
            .init(title: "locks", width: 5, priority: 2),
            .init(title: "doubt", width: 5, priority: 1),
            .init(title: "wait", width: 6, priority: 2),
            .init(title: "commit p99", width: 10, priority: 2),
            .init(title: "log", width: 4, priority: 4),
            .init(title: "batch", width: 5, priority: 5),
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
                .text(Format.percent(s.cpuUtilisation, decimals: 0), s.cpuUtilisation > 0.8 ? alert(.warn) : Style(.text)),
                .text(Format.count(Double(s.locksHeld)), Style(.text)),
                .text(String(s.inDoubt), s.inDoubt > 0 ? alert(.critical) : Style(.dim)),
                .text(Format.milliseconds(s.queueWaitMilliseconds), Style(s.queueWaitMilliseconds > 10 ? .warn : .text)),
                .text(Format.milliseconds(s.commitP99Milliseconds), Style(.text)),
                .text(Format.percent(s.logUtilisation, decimals: 0), Style(.dim)),
                .text(Format.trim(s.fsyncBatch, 1), Style(.dim)),
                .text(s.restartsIn.map { "in " + Format.duration($0) } ?? "", Style(.warn)),
                .text(Format.count(s.readsPerSecond), Style(.dim)),
            ], x: inner.x, y: inner.y + 1 + i, width: inner.width)
        }
    }
}
