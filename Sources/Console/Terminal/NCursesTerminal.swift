import CNCurses

/// The only file that talks to ncurses. It grows into the console's terminal
/// backend; for now it reports which ncurses the binary is linked against.
public enum NCursesTerminal {
    /// The linked library's version string, e.g. "ncurses 6.4.20221231".
    public static var libraryVersion: String {
        guard let v = curses_version() else { return "unknown" }
        return String(cString: v)
    }
}
