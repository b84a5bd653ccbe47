import PaySim

/// The flow chart as last drawn, and what it was drawn from. The chart
/// changes only when a simulated second closes (or its range, workload,
/// symbols, threshold or size do), so the frames in between copy its cells
/// instead of averaging up to an hour of seconds again.
public final class FlowChartCache {
    struct Key: Equatable {
        var rect: Rect
        var range: Int
        var workload: Workload?
        var mode: ConsoleState.GraphSymbols
        var ascii: Bool
        var threshold: SLOThreshold?
        /// Per workload: seconds recorded, and the newest second of each series.
        var seconds: [Int64]
        var newest: [Double]
    }
    var key: Key?
    var cells: [Cell] = []
    public internal(set) var hits = 0, misses = 0
    public init() {}
}

extension Screen {
    /// What the flow chart in `r` is drawn from (see `FlowChartCache`).
    func flowKey(_ r: Rect, slo: SLOThreshold?) -> FlowChartCache.Key {
        var newest: [Double] = []
        newest.reserveCapacity(snapshot.flow.count * 4)
        // NaN (a second without a commit) stands as -1, so keys compare equal.
        func last(_ s: SecondSeries) -> Double { s.last.map { $0.isNaN ? -1 : $0 } ?? -2 }
        for f in snapshot.flow {
            newest.append(last(f.offered))
            newest.append(last(f.goodput))
            newest.append(last(f.failed))
            newest.append(last(f.p99))
        }
        return FlowChartCache.Key(rect: r, range: state.flowRange, workload: state.flowWorkload, mode: state.graphSymbols,
                                  ascii: glyphs == .ascii, threshold: slo,
                                  seconds: snapshot.flow.map(\.seconds), newest: newest)
    }

    /// Draws the flow chart, or copies it from the cache when nothing it shows has changed.
    mutating func drawFlow(_ r: Rect) {
        guard let cache = flowCache, r.x >= 0, r.y >= 0, r.maxX <= canvas.width, r.maxY <= canvas.height else { return drawFlowChart(r) }
        let key = flowKey(r, slo: flowThreshold)
        if cache.key == key {
            canvas.paste(cache.cells, into: r)
            cache.hits += 1
            return
        }
        drawFlowChart(r)
        cache.key = key
        cache.cells = canvas.copy(r)
        cache.misses += 1
    }

    /// The p99 threshold the chart draws: on the workload shown, or any when all are.
    var flowThreshold: SLOThreshold? {
        snapshot.thresholds.map(\.threshold).first { t in
            if case .latency(let w, let p) = t.measure { return p == 0.99 && (state.flowWorkload == nil || state.flowWorkload == w) }
            return false
        }
    }

    /// Transaction flow over time: goodput and failed per second as areas,
    /// offered as a line above them, over the last minute, ten minutes or
    /// hour (`w`), for all workloads or one (`v`). With one workload, or a
    /// latency threshold on the one shown, its p99 a second is a second line
    /// on its own scale (right, ms) with the threshold dashed across it.
    /// Braille (two by four dots a cell), block characters (eight levels a
    /// cell) or ASCII (`g` cycles; a C locale has ASCII only); labelled axes
    /// in requests per second and time before now.
    mutating func drawFlowChart(_ r: Rect) {
        let range = ConsoleState.flowRanges[state.flowRange]
        let who = state.flowWorkload?.displayName ?? "all"
        let mode: ConsoleState.GraphSymbols = glyphs == .ascii ? .ascii : state.graphSymbols
        canvas.box(r, title: "Flow \(who) · \(range.label)\(mode == .braille ? "" : " · \(mode.rawValue)")", glyphs: glyphs)
        let inner = r.inner
        let labelWidth = 7
        // The latency line: the workload shown, or the one a p99 threshold names.
        let slo = flowThreshold
        var latencyOf = state.flowWorkload
        if latencyOf == nil, let slo, case .latency(let w, _) = slo.measure { latencyOf = w }
        let rightWidth = latencyOf == nil ? 0 : 7
        guard inner.height >= 3, inner.width >= labelWidth + rightWidth + 10 else { return }
        let plotX = inner.x + labelWidth, plotW = inner.width - labelWidth - rightWidth, plotH = inner.height - 1
        let (perCellX, perCellY) = mode == .braille ? (2, 4) : mode == .block ? (1, 8) : (1, 1)
        let dotCols = plotW * perCellX, dotRows = plotH * perCellY

        // The series, summed over the workloads shown, newest last.
        let flows = state.flowWorkload.map { [snapshot.flow[$0.rawValue]] } ?? snapshot.flow
        func series(_ pick: (MetricsSnapshot.FlowHistory) -> SecondSeries) -> [Double] {
            var out = [Double](repeating: 0, count: flows.map { pick($0).count }.max().map { min($0, range.seconds) } ?? 0)
            for f in flows {
                let t = pick(f).tail(out.count)
                for i in t.indices { out[out.count - t.count + i] += t[i] }
            }
            return out
        }
        let offered = series(\.offered), goodput = series(\.goodput), failed = series(\.failed)
        let p99 = latencyOf.map { snapshot.flow[$0.rawValue].p99.tail(range.seconds) } ?? []

        // Each dot column averages the seconds it covers (p99: the largest); the newest is at the right edge.
        let perColumn = Double(range.seconds) / Double(dotCols)
        func column(_ values: [Double], _ c: Int, peak: Bool = false) -> Double? {
            let fromEnd0 = Double(dotCols - c - 1) * perColumn, fromEnd1 = Double(dotCols - c) * perColumn
            let hi = values.count - Int(fromEnd0.rounded(.down)), lo = values.count - Int(fromEnd1.rounded(.down))
            let a = max(0, lo), b = min(values.count, max(hi, lo + 1))
            guard a < b else { return nil }
            var s = 0.0, n = 0, m = -Double.infinity
            for i in a..<b where values[i].isFinite { s += values[i]; n += 1; m = max(m, values[i]) }
            guard n > 0 else { return nil }
            return peak ? m : s / Double(n)
        }
        var top = 1.0, topMs = slo.map { $0.limit * 1.25 } ?? 1
        var cols: [(offered: Double, goodput: Double, failed: Double, p99: Double?)?] = []
        for c in 0..<dotCols {
            guard let o = column(offered, c) else { cols.append(nil); continue }
            let g = column(goodput, c) ?? 0, f = column(failed, c) ?? 0, l = column(p99, c, peak: true)
            cols.append((o, g, f, l))
            top = max(top, o, g + f)
            if let l { topMs = max(topMs, l) }
        }
        top = Screen.niceCeiling(top)
        topMs = Screen.niceCeiling(topMs)
        func level(_ v: Double, _ scale: Double) -> Int { min(dotRows, Int((v / scale * Double(dotRows)).rounded())) }

        // Dots by kind: 1 goodput, 2 failed (stacked on goodput), 3 offered,
        // 4 p99 and 5 its threshold (lines; the last two drawn over the areas).
        var grid = [UInt8](repeating: 0, count: dotCols * dotRows)
        // The latency lines apart, so a line over an area does not hide what the area holds.
        var lines = [UInt8](repeating: 0, count: dotCols * dotRows)
        let sloLevel = slo.map { level($0.limit, topMs) }
        for (c, v) in cols.enumerated() {
            if let s = sloLevel, s > 0, c % 4 < 2 { lines[(dotRows - s) * dotCols + c] = 5 }
            guard let v else { continue }
            let g = level(v.goodput, top), f = level(v.goodput + v.failed, top), o = level(v.offered, top)
            for d in 0..<dotRows {
                let height = dotRows - d  // 1 at the bottom row of dots
                if height <= g { grid[d * dotCols + c] = 1 } else if height <= f { grid[d * dotCols + c] = 2 }
            }
            if o > 0 && grid[(dotRows - o) * dotCols + c] == 0 { grid[(dotRows - o) * dotCols + c] = 3 }
            if let l = v.p99.map({ level($0, topMs) }), l > 0 { lines[(dotRows - l) * dotCols + c] = 4 }
        }
        // The kinds in a cell as bits (1 << kind): a set without allocating one per cell.
        func role(_ kinds: UInt8) -> ThemeRole {
            kinds & 1 << 4 != 0 ? .title : kinds & 1 << 5 != 0 ? .warn : kinds & 1 << 2 != 0 ? .critical : kinds & 1 << 1 != 0 ? .ok : .accent
        }
        let bits: [[UInt32]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]
        let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        for row in 0..<plotH {
            for x in 0..<plotW {
                var kinds: UInt8 = 0
                let ch: Character
                switch mode {
                case .braille:
                    var mask: UInt32 = 0
                    for dy in 0..<4 {
                        for dx in 0..<2 {
                            let i = (row * 4 + dy) * dotCols + x * 2 + dx
                            let k = max(grid[i], lines[i])
                            if k != 0 { mask |= bits[dy][dx]; kinds |= 1 << k }
                        }
                    }
                    ch = Character(Unicode.Scalar(0x2800 + mask)!)
                case .block:
                    // Areas fill from the bottom of the cell; a line is a bar at its height.
                    var area = 0, line: (kind: UInt8, depth: Int)?
                    for dy in 0..<8 {
                        let i = (row * 8 + dy) * dotCols + x
                        let k = grid[i]
                        if k == 1 || k == 2 { area += 1; kinds |= 1 << k } else if k != 0, line == nil { line = (k, dy) }
                        if lines[i] != 0, line.map({ lines[i] > $0.kind }) ?? true { line = (lines[i], dy) }
                    }
                    // A line shows over an area's cell unless the cell is full:
                    // a full cell of goodput or failed keeps its colour.
                    if let line, area == 0 || (line.kind >= 4 && area < 8) {
                        kinds = 1 << line.kind
                        ch = line.depth < 3 ? "▔" : line.depth < 5 ? "─" : "▁"
                    } else {
                        ch = area > 0 ? blocks[area - 1] : " "
                    }
                case .ascii:
                    let k = max(grid[row * dotCols + x], lines[row * dotCols + x])
                    if k != 0 { kinds |= 1 << k }
                    ch = k == 5 ? "-" : k == 4 ? "*" : k == 2 ? "x" : k == 1 ? "#" : "."
                }
                guard kinds != 0 else { continue }
                canvas[plotX + x, inner.y + row] = Cell(character: ch, style: Style(role(kinds)))
            }
        }

        // The y axes: the scale's top, its middle when a row starts there, zero; ms on the right.
        var marks: [(Int, Double)] = [(0, 1), (plotH - 1, 0)]
        if plotH % 2 == 0 && plotH >= 4 { marks.append((plotH / 2, 0.5)) }
        for (row, share) in marks {
            canvas.put(Table.fit(Format.count(top * share) + "/s", width: labelWidth - 1), x: inner.x, y: inner.y + row, style: Style(.dim))
            if rightWidth > 0 {
                canvas.putRight(Table.fit(Screen.milliseconds(topMs * share), width: rightWidth - 1), right: inner.maxX - 1, y: inner.y + row, style: Style(.title))
            }
        }
        // The x axis: how long ago, and the legend.
        let y = inner.y + plotH
        canvas.put("-" + range.label, x: plotX, y: y, style: Style(.dim))
        canvas.putRight("now", right: inner.maxX - 1, y: y, style: Style(.dim))
        let mark: (line: String, area: String) = mode == .braille ? ("⣀", "⣿") : mode == .block ? ("─", "█") : (".", "#")
        var legend: [(String, Style)] = [("\(mark.line) offered", Style(.accent)), ("  \(mark.area) goodput", Style(.ok)),
                                         ("  \(mode == .ascii ? "x" : mark.area) failed", Style(.critical))]
        if let latencyOf { legend.append(("  \(mode == .ascii ? "*" : mark.line) \(latencyOf.name) p99 ms", Style(.title))) }
        if let slo { legend.append(("  \(mode == .ascii ? "-" : mark.line) \(slo)", Style(.warn))) }
        while !legend.isEmpty {
            let legendWidth = legend.reduce(0) { $0 + $1.0.count }
            let lx = plotX + max(range.label.count + 3, (plotW - legendWidth) / 2)
            if lx + legendWidth <= plotX + plotW - 4 {
                var x = lx
                for (text, style) in legend { x = canvas.put(text, x: x, y: y, style: style) }
                break
            }
            legend.removeLast()
        }
    }

    /// `850ms`, `1.2s`, `12s`: a latency axis label.
    static func milliseconds(_ v: Double) -> String {
        if v >= 1_000 { return v >= 10_000 ? "\(Int((v / 1_000).rounded()))s" : Format.trim(v / 1_000, 1) + "s" }
        return v >= 10 || v == v.rounded() ? "\(Int(v.rounded()))ms" : Format.trim(v, 1) + "ms"
    }

    /// 1, 2 or 5 times a power of ten, at least `v`.
    static func niceCeiling(_ v: Double) -> Double {
        guard v > 0 else { return 1 }
        var p = 1.0
        while p * 10 <= v { p *= 10 }
        while p > v { p /= 10 }
        for m in [1.0, 2.0, 5.0, 10.0] where m * p >= v { return m * p }
        return 10 * p
    }
}
