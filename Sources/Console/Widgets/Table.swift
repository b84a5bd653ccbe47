/// A table whose columns come and go with the width available: each column
/// has a priority, the most important ones are kept, and the kept ones are
/// shown in their natural order. One column may be flexible and take what
/// is left (a sparkline, say).
struct Table {
    enum Align { case left, right }
    struct Column {
        var title: String
        var width: Int
        var align: Align = .right
        /// Lower is more important.
        var priority: Int
        var flexible = false
    }
    /// A cell: text and style, or a custom drawing into its rectangle.
    enum Content {
        case text(String, Style)
        case draw((inout Canvas, Int, Int, Int) -> Void)
    }

    var columns: [Column]

    /// The columns that fit `width`, with their x offsets and widths.
    func layout(width: Int) -> [(index: Int, x: Int, width: Int)] {
        var chosen = Set<Int>()
        var used = 0
        for i in columns.indices.sorted(by: { columns[$0].priority < columns[$1].priority }) {
            let need = columns[i].width + (chosen.isEmpty ? 0 : 1)
            if used + need <= width {
                chosen.insert(i)
                used += need
            }
        }
        var out: [(Int, Int, Int)] = []
        var x = 0
        let spare = width - used
        for i in columns.indices where chosen.contains(i) {
            let w = columns[i].width + (columns[i].flexible ? spare : 0)
            out.append((i, x, w))
            x += w + 1
        }
        return out
    }

    func drawHeader(_ canvas: inout Canvas, x: Int, y: Int, width: Int) {
        for (i, cx, w) in layout(width: width) {
            let title = String(columns[i].title.prefix(w))
            let tx = columns[i].align == .right ? x + cx + w - title.count : x + cx
            canvas.put(title, x: tx, y: y, style: Style(.dim, bold: true))
        }
    }

    func drawRow(_ canvas: inout Canvas, _ cells: [Content], x: Int, y: Int, width: Int) {
        for (i, cx, w) in layout(width: width) where i < cells.count {
            switch cells[i] {
            case let .text(text, style):
                let t = text.count > w ? String(text.prefix(w)) : text
                let tx = columns[i].align == .right ? x + cx + w - t.count : x + cx
                canvas.put(t, x: tx, y: y, style: style)
            case .draw(let f):
                f(&canvas, x + cx, y, w)
            }
        }
    }
}
