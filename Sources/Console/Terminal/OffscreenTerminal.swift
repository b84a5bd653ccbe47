/// A terminal with no screen: it finds what changed in each frame the way
/// `NCursesTerminal` does (the same span diff) and counts it, and writes
/// nothing. `payops bench frames` builds console frames on it.
public final class OffscreenTerminal: TerminalBackend {
    public let width: Int
    public let height: Int
    private var previous: Canvas?
    private var spans: [Range<Int>] = []
    /// Frames shown, and the cells and spans they changed.
    public private(set) var frames = 0
    public private(set) var cellsChanged = 0
    public private(set) var spansChanged = 0

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public func readKey(timeoutMilliseconds: Int) -> KeyEvent? { nil }

    public func present(_ canvas: Canvas) {
        let before = previous.map { $0.width == canvas.width && $0.height == canvas.height ? $0.cells : [] } ?? []
        canvas.cells.withUnsafeBufferPointer { cells in
            before.withUnsafeBufferPointer { old in
                for y in 0..<canvas.height {
                    NCursesTerminal.changedSpans(old: old.isEmpty ? nil : old, new: cells, from: y * canvas.width, count: canvas.width, into: &spans)
                    spansChanged += spans.count
                    for span in spans { cellsChanged += span.count }
                }
            }
        }
        previous = canvas
        frames += 1
    }

    public func restore() {}
}
