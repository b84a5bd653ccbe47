import PaySim

extension Screen {
    /// The hit rate large, its sparkline, per-second traffic, fill and backend.
    mutating func drawCache(_ r: Rect) {
        canvas.box(r, title: "Cache", glyphs: glyphs)
        let c = snapshot.cache
        let inner = r.inner
        guard inner.height > 0 else { return }
        var y = inner.y
        var x = canvas.put("hit rate ", x: inner.x, y: y, style: Style(.dim))
        let rateRole: ThemeRole = c.hitRate >= 0.8 ? .ok : c.hitRate >= 0.5 ? .warn : .critical
        x = canvas.put(c.available ? Format.percent(c.hitRate) : "DOWN", x: x, y: y, style: Style(c.available ? rateRole : .critical, bold: true))
        x += 2
        Widgets.sparkline(&canvas, c.hitRateHistory, x: x, y: y, width: inner.maxX - x, glyphs: glyphs, theme: theme, ceiling: 1)
        y += 1
        guard y < inner.maxY else { return }
        canvas.put("hits \(Format.count(c.hitsPerSecond))/s  misses \(Format.count(c.missesPerSecond))/s  evict \(Format.count(c.evictionsPerSecond))/s",
                   x: inner.x, y: y, style: Style(.text), maxWidth: inner.width)
        y += 1
        guard y < inner.maxY else { return }
        if c.serverCounters.isEmpty {
            let fill = Double(c.stats.entries) / Double(max(1, c.stats.capacity))
            x = canvas.put("fill ", x: inner.x, y: y, style: Style(.dim))
            let figures = " \(Format.count(Double(c.stats.entries)))/\(Format.count(Double(c.stats.capacity)))"
            let barWidth = max(4, inner.maxX - x - figures.count)
            Widgets.bar(&canvas, fraction: fill, x: x, y: y, width: barWidth, glyphs: glyphs, theme: theme, role: .accent)
            canvas.put(figures, x: x + barWidth, y: y, style: Style(.text), maxWidth: inner.maxX - x - barWidth)
        } else {
            // The server's own INFO deltas beside our per-request counts.
            let v = Dictionary(uniqueKeysWithValues: c.serverCounters.map { ($0.name, $0.value) })
            x = canvas.put("server Σ ", x: inner.x, y: y, style: Style(.dim))
            var text = "hits \(Format.count(v["keyspace_hits"] ?? 0)) miss \(Format.count(v["keyspace_misses"] ?? 0))"
            text += " evict \(Format.count(v["evicted_keys"] ?? 0)) exp \(Format.count(v["expired_keys"] ?? 0))"
            text += " mem \(Format.bytes(v["used_memory"] ?? 0))"
            canvas.put(text, x: x, y: y, style: Style(.text), maxWidth: inner.maxX - x)
        }
        y += 1
        guard y < inner.maxY else { return }
        let reads = c.shardReadsPerSecond.reduce(0, +)
        if c.serverCounters.isEmpty {
            canvas.put("\(c.backend)  shard reads \(Format.count(reads))/s", x: inner.x, y: y, style: Style(.dim), maxWidth: inner.width)
        } else {
            // Our totals under the server's: INFO counts every client of the server.
            let total = c.stats.total
            x = canvas.put("ours Σ ", x: inner.x, y: y, style: Style(.dim))
            canvas.put("hits \(Format.count(total.hits)) miss \(Format.count(total.misses))  shard reads \(Format.count(reads))/s\(c.available ? "" : "  DOWN")",
                       x: x, y: y, style: Style(c.available ? .text : .critical), maxWidth: inner.maxX - x)
        }
    }
}
