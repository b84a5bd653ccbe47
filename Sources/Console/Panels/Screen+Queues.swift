import PaySim

extension Screen {
    /// A row per consumer group: its topic, a lag bar, depth, lag and in/out
    /// rates. Zoomed, redeliveries and duplicates caught too, and under each
    /// group its lag per partition.
    mutating func drawQueues(_ r: Rect) {
        let log = snapshot.log
        if log.available {
            canvas.box(r, title: log.backend == "embedded" ? "Queues" : "Queues on Redis Streams", glyphs: glyphs)
        } else {
            // The server log is down: what is held locally, in the alert colour.
            canvas.box(r, title: "Queues: log DOWN, \(Format.count(Double(log.unsent))) held", glyphs: glyphs,
                       titleStyle: alert(.critical))
        }
        let inner = r.inner
        let zoomed = state.zoomed && state.focus == .queues
        var columns: [Table.Column] = [
            .init(title: "topic", width: 16, align: .left, priority: 3),
            .init(title: "group", width: 13, align: .left, priority: 0),
            .init(title: "c", width: 2, priority: 4),
            .init(title: "lag", width: 5, align: .left, priority: 1),
            .init(title: "depth", width: 6, priority: 2),
            .init(title: "lag", width: 6, priority: 0),
            .init(title: "in/out", width: 11, priority: 1),
            .init(title: "60s", width: 4, align: .left, priority: 5, flexible: true),
        ]
        if zoomed {
            columns.insert(contentsOf: [.init(title: "redeliv", width: 8, priority: 2), .init(title: "dupes", width: 7, priority: 2)], at: 7)
        }
        let table = Table(columns: columns)
        table.drawHeader(&canvas, x: inner.x, y: inner.y, width: inner.width)
        // The bar is scaled to the deepest lag on screen, never below 1,000.
        let scale = max(1_000, Double(snapshot.queues.map(\.lag).max() ?? 0))
        var y = inner.y + 1
        for q in snapshot.queues where y < inner.maxY {
            let glyphs = self.glyphs, theme = self.theme
            let lagRole: ThemeRole = q.consumers == 0 ? .critical : q.lag > 1_000 ? .warn : .text
            var cells: [Table.Content] = [
                .text(q.topic, Style(.dim)),
                .text(q.group, Style(.text)),
                .text(String(q.consumers), q.consumers == 0 ? alert(.critical) : Style(.text)),
                .draw { c, x, y, width in Widgets.bar(&c, fraction: Double(q.lag) / scale, x: x, y: y, width: width, glyphs: glyphs, theme: theme) },
                .text(Format.count(q.depth), Style(.text)),
                .text(Format.count(q.lag), Style(lagRole, bold: lagRole == .critical)),
                .text("\(Format.count(q.inRate))/\(Format.count(q.outRate))", Style(.text)),
                .draw { c, x, y, width in Widgets.sparkline(&c, q.lagHistory, x: x, y: y, width: width, glyphs: glyphs, theme: theme) },
            ]
            if zoomed {
                cells.insert(contentsOf: [.text(Format.count(q.redeliveries), Style(q.redeliveries > 0 ? .warn : .dim)),
                                          .text(Format.count(q.duplicatesCaught), Style(q.duplicatesCaught > 0 ? .warn : .dim))], at: 7)
            }
            table.drawRow(&canvas, cells, x: inner.x, y: y, width: inner.width)
            y += 1
            guard zoomed, y < inner.maxY else { continue }
            // The lag of each partition, the largest marked: where a consumer is stuck.
            let worst = q.partitionLag.max() ?? 0
            var x = canvas.put("  partitions ", x: inner.x, y: y, style: Style(.dim))
            for (p, lag) in q.partitionLag.enumerated() {
                let text = "p\(p) \(Format.count(lag))  "
                guard x + text.count <= inner.maxX else { break }
                x = canvas.put(text, x: x, y: y, style: lag == worst && lag > 0 ? Style(lagRole == .text ? .warn : lagRole, bold: true) : Style(.dim))
            }
            y += 1
        }
    }
}
