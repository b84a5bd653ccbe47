/// A layout of one's own: rows of panels, each row a share of the height
/// and each panel a share of its row's width. Panels left out are still
/// reachable by focus and zoom.
public struct PanelLayout: Sendable, Equatable {
    /// Which screens a layout is for: `narrow` 80–119 columns, `wide` 120 and more.
    public enum SizeClass: String, CaseIterable, Sendable {
        case narrow, wide
        public init(width: Int) { self = width >= 120 ? .wide : .narrow }
    }
    public struct Cell: Sendable, Equatable {
        public var panel: ConsoleState.Panel
        public var weight: Int
    }
    public struct Row: Sendable, Equatable {
        public var cells: [Cell]
        public var weight: Int
    }
    public var rows: [Row]

    public init(rows: [Row]) { self.rows = rows }

    /// Each panel's place in `body`. Rows get at least 3 lines (a border
    /// and a line) while they fit; a row that does not fit is left out.
    func rects(in body: Rect) -> [(panel: ConsoleState.Panel, rect: Rect)] {
        let total = max(1, rows.reduce(0) { $0 + $1.weight })
        var out: [(ConsoleState.Panel, Rect)] = []
        var y = body.y
        var remainingWeight = total
        for row in rows {
            let left = body.maxY - y
            guard left >= 3 else { break }
            var h = remainingWeight == row.weight ? left : max(3, left * row.weight / max(1, remainingWeight))
            h = min(h, left)
            remainingWeight -= row.weight
            let wTotal = max(1, row.cells.reduce(0) { $0 + $1.weight })
            var x = body.x
            var wRemaining = wTotal
            for cell in row.cells {
                let room = body.maxX - x
                guard room >= 4 else { break }
                let w = wRemaining == cell.weight ? room : max(4, room * cell.weight / max(1, wRemaining))
                wRemaining -= cell.weight
                out.append((cell.panel, Rect(x: x, y: y, width: min(w, room), height: h)))
                x += w
            }
            y += h
        }
        return out
    }

    /// As a config file writes it: `"nodes:2 queues"`.
    public var rowTexts: [String] {
        rows.map { row in row.cells.map { $0.weight == 1 ? "\($0.panel)" : "\($0.panel):\($0.weight)" }.joined(separator: " ") }
    }
}
