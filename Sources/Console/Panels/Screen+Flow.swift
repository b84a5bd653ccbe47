import PaySim

extension Screen {
    /// Transaction flow over time: goodput and failed per second as areas,
    /// offered as a line above them, over the last minute, ten minutes or
    /// hour (`w`), for all workloads or one (`v`). Braille where the
    /// locale is UTF-8 (two by four dots a cell), ASCII otherwise; labelled
    /// axes in requests per second and time before now.
    mutating func drawFlow(_ r: Rect) {
        let range = ConsoleState.flowRanges[state.flowRange]
        let who = state.flowWorkload?.displayName ?? "all"
        canvas.box(r, title: "Flow \(who) · \(range.label)", glyphs: glyphs)
        let inner = r.inner
        let labelWidth = 7
        guard inner.height >= 3, inner.width >= labelWidth + 10 else { return }
        let plotX = inner.x + labelWidth, plotW = inner.width - labelWidth, plotH = inner.height - 1
        let braille = glyphs != .ascii
        let dotCols = braille ? plotW * 2 : plotW, dotRows = braille ? plotH * 4 : plotH

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

        // Each dot column averages the seconds it covers; the newest is at the right edge.
        let perColumn = Double(range.seconds) / Double(dotCols)
        func column(_ values: [Double], _ c: Int) -> Double? {
            let fromEnd0 = Double(dotCols - c - 1) * perColumn, fromEnd1 = Double(dotCols - c) * perColumn
            let hi = values.count - Int(fromEnd0.rounded(.down)), lo = values.count - Int(fromEnd1.rounded(.down))
            let a = max(0, lo), b = min(values.count, max(hi, lo + 1))
            guard a < b else { return nil }
            var s = 0.0
            for i in a..<b { s += values[i] }
            return s / Double(b - a)
        }
        var top = 1.0
        var cols: [(offered: Double, goodput: Double, failed: Double)?] = []
        for c in 0..<dotCols {
            guard let o = column(offered, c) else { cols.append(nil); continue }
            let g = column(goodput, c) ?? 0, f = column(failed, c) ?? 0
            cols.append((o, g, f))
            top = max(top, o, g + f)
        }
        top = Screen.niceCeiling(top)
        func level(_ v: Double) -> Int { min(dotRows, Int((v / top * Double(dotRows)).rounded())) }

        // Dots by kind: 1 goodput, 2 failed (stacked on goodput), 3 offered (a line).
        var grid = [UInt8](repeating: 0, count: dotCols * dotRows)
        for (c, v) in cols.enumerated() {
            guard let v else { continue }
            let g = level(v.goodput), f = level(v.goodput + v.failed), o = level(v.offered)
            for d in 0..<dotRows {
                let height = dotRows - d  // 1 at the bottom row of dots
                if height <= g { grid[d * dotCols + c] = 1 } else if height <= f { grid[d * dotCols + c] = 2 }
            }
            if o > 0 && grid[(dotRows - o) * dotCols + c] == 0 { grid[(dotRows - o) * dotCols + c] = 3 }
        }
        let bits: [[UInt32]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]
        for row in 0..<plotH {
            for x in 0..<plotW {
                var mask: UInt32 = 0, kinds = Set<UInt8>()
                if braille {
                    for dy in 0..<4 {
                        for dx in 0..<2 {
                            let k = grid[(row * 4 + dy) * dotCols + x * 2 + dx]
                            if k != 0 { mask |= bits[dy][dx]; kinds.insert(k) }
                        }
                    }
                } else {
                    let k = grid[row * dotCols + x]
                    if k != 0 { kinds.insert(k) }
                }
                guard !kinds.isEmpty else { continue }
                let role: ThemeRole = kinds.contains(2) ? .critical : kinds.contains(1) ? .ok : .accent
                let ch: Character
                if braille {
                    ch = Character(Unicode.Scalar(0x2800 + mask)!)
                } else {
                    ch = kinds.contains(2) ? "x" : kinds.contains(1) ? "#" : "."
                }
                canvas.put(String(ch), x: plotX + x, y: inner.y + row, style: Style(role))
            }
        }

        // The y axis: the scale's top, its middle when a row starts there, zero.
        var marks: [(Int, Double)] = [(0, top), (plotH - 1, 0)]
        if plotH % 2 == 0 && plotH >= 4 { marks.append((plotH / 2, top / 2)) }
        for (row, value) in marks {
            let text = Format.count(value) + "/s"
            canvas.put(Table.fit(text, width: labelWidth - 1), x: inner.x, y: inner.y + row, style: Style(.dim))
        }
        // The x axis: how long ago, and the legend.
        let y = inner.y + plotH
        canvas.put("-" + range.label, x: plotX, y: y, style: Style(.dim))
        canvas.putRight("now", right: inner.maxX - 1, y: y, style: Style(.dim))
        let legend: [(String, Style)] = [(braille ? "⣀ offered" : ". offered", Style(.accent)), (braille ? "  ⣿ goodput" : "  # goodput", Style(.ok)),
                                         (braille ? "  ⣿ failed" : "  x failed", Style(.critical))]
        let legendWidth = legend.reduce(0) { $0 + $1.0.count }
        var lx = plotX + max(range.label.count + 3, (plotW - legendWidth) / 2)
        if lx + legendWidth <= inner.maxX - 4 {
            for (text, style) in legend { lx = canvas.put(text, x: lx, y: y, style: style) }
        }
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
