/// What the console needs from a terminal. The real one is ncurses; tests
/// drive the app with a scripted one.
public protocol TerminalBackend: AnyObject {
    var width: Int { get }
    var height: Int { get }
    /// The next key, waiting at most `timeoutMilliseconds`; nil on timeout.
    func readKey(timeoutMilliseconds: Int) -> KeyEvent?
    /// Shows the canvas; sends only what changed since the last frame, and
    /// flushes once.
    func present(_ canvas: Canvas)
    /// Puts the terminal back as it was. Safe to call twice.
    func restore()
}
