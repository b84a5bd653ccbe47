/// A key press or terminal event, independent of the terminal library.
public enum KeyEvent: Equatable, Sendable {
    case character(Character)
    case up, down, left, right, home, end, pageUp, pageDown
    case tab, backTab, enter, escape, backspace, delete
    /// Ctrl-C (or SIGINT / SIGTERM delivered while the console runs).
    case interrupt
    case resize
    /// A click at a screen cell.
    case click(x: Int, y: Int)
}
