/// A terminal with no screen: it finds what changed in each frame the way
/// `NCursesTerminal` does (`forEachChange`) and counts it, and writes
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
        NCursesTerminal.forEachChange(from: previous, to: canvas, spans: &spans) { _, span, _ in
            spansChanged += 1
            cellsChanged += span.count
        }
        previous = canvas
        frames += 1
    }

    public func restore() {}
}
