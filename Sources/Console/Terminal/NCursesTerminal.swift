import CNCurses
import PaySim
#if canImport(Glibc)
import Glibc
#endif

/// Why the terminal could not be set up.
public struct TerminalError: Error, CustomStringConvertible {
    public var description: String
}

/// The ncurses backend — the only file that talks to ncurses. It keeps the
/// last frame and redraws only rows that changed, in runs of one style,
/// then calls `doupdate` once per frame so nothing flickers.
public final class NCursesTerminal: TerminalBackend {
    let screen: OpaquePointer
    let window: UnsafeMutablePointer<WINDOW>
    public let depth: ColorDepth
    let theme: Theme
    var pairs: [PairKey: Int32] = [:]
    /// Attributes and colour pair per style, worked out once (the theme
    /// and colour depth never change), and the style last set on the window.
    var styleAttributes: [Style: (attrs: attr_t, pair: Int32)] = [:]
    var applied: Style?
    var previous: Canvas?
    var restored = false

    struct PairKey: Hashable { let fg: Int32, bg: Int32 }

    /// The linked library's version string, e.g. "ncurses 6.4.20221231".
    public static var libraryVersion: String {
        guard let v = curses_version() else { return "unknown" }
        return String(cString: v)
    }

    /// The locale's character set, after `setlocale` (UTF-8 picks Unicode glyphs).
    public static func prepareLocale() -> String? {
        _ = payops_setlocale_all()
        return payops_codeset().map { String(cString: $0) }
    }

    /// True when both standard input and output are terminals.
    public static var isInteractive: Bool { payops_is_tty() != 0 }

    /// Takes over the terminal. `noColor` (NO_COLOR) or a monochrome theme
    /// draws with attributes only.
    public init(theme: Theme, noColor: Bool) throws {
        let term = getenv("TERM").map { String(cString: $0) } ?? "unset"
        guard let s = payops_newterm() else {
            throw TerminalError(description: "cannot use this terminal (TERM=\(InputText.shown(term)))")
        }
        guard payops_can_address_cursor() != 0 else {
            endwin()
            delscreen(s)
            throw TerminalError(description: "this terminal (TERM=\(InputText.shown(term))) cannot move its cursor, which the console needs; set TERM to your terminal's type (xterm-256color, say), or use 'payops run'")
        }
        screen = s
        _ = set_term(s)
        window = payops_stdscr()
        payops_install_signal_handlers()
        cbreak()
        noecho()
        nonl()
        // No typeahead check while a frame is written: ncurses would poll
        // the keyboard every few rows changed (four polls a frame at 10 fps).
        // A key pressed meanwhile waits the fraction of a millisecond the
        // frame takes to write.
        _ = typeahead(-1)
        _ = keypad(window, true)
        _ = curs_set(0)
        set_escdelay(25)
        _ = mousemask(payops_button1_pressed(), nil)
        mouseinterval(0)
        var d = ColorDepth.none
        if !noColor && !theme.monochrome && has_colors() {
            start_color()
            use_default_colors()
            d = ColorDepth(colors: Int(payops_colors()), directColor: payops_has_direct_color() != 0)
        }
        depth = d
        self.theme = theme
        if let bg = theme.background, let n = ColorMapping.number(for: bg, depth: d) {
            wbkgdset(window, chtype(payops_color_pair(Int16(pairNumber(fg: -1, bg: Int32(n))))) | 32)
        }
        // Until a screen has been suspended once, ncurses treats it as not
        // yet set up and flushes its output at every cursor move: a frame
        // went out in some 25 writes. Suspending it now (the first frame
        // resumes it) makes a frame one write.
        _ = endwin()
    }

    deinit { restore() }

    public var width: Int { Int(payops_cols()) }
    public var height: Int { Int(payops_lines()) }

    public func restore() {
        guard !restored else { return }
        restored = true
        // Blank the console's screen first: a terminal resized while it was
        // up may keep rows of it when the saved screen comes back.
        wclear(window)
        wrefresh(window)
        endwin()
        delscreen(screen)
    }

    /// The signal that arrived since the last call (SIGINT, SIGTERM, SIGHUP), or 0.
    public static func takeSignal() -> Int32 { payops_take_signal() }

    public func readKey(timeoutMilliseconds: Int) -> KeyEvent? {
        if payops_take_signal() != 0 { return .interrupt }
        wtimeout(window, Int32(max(0, timeoutMilliseconds)))
        var ch: wint_t = 0
        let r = wget_wch(window, &ch)
        if payops_take_signal() != 0 { return .interrupt }
        if r == payops_err() {
            if payops_input_hung_up() != 0 { return .interrupt }
            // A resize whose SIGWINCH never came (a blocked mask, say) is
            // caught here, so the screen is never drawn at the wrong size.
            if payops_sync_size() != 0 {
                previous = nil
                return .resize
            }
            return nil
        }
        if r == payops_key_code_yes() {
            switch Int32(ch) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_BTAB: return .backTab
            case KEY_DC: return .delete
            case KEY_BACKSPACE: return .backspace
            case KEY_ENTER: return .enter
            case payops_key_resize():
                previous = nil
                return .resize
            case payops_key_mouse():
                var event = MEVENT()
                guard getmouse(&event) == payops_ok() else { return nil }
                return .click(x: Int(event.x), y: Int(event.y))
            default: return nil
            }
        }
        switch ch {
        case 3: return .interrupt
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        default:
            guard let scalar = Unicode.Scalar(UInt32(ch)), ch >= 32 else { return nil }
            return .character(Character(scalar))
        }
    }

    public func present(_ canvas: Canvas) {
        let full = previous.map { $0.width != canvas.width || $0.height != canvas.height } ?? true
        if full {
            _ = werase(window)
            applied = nil
        }
        var buffer: [wchar_t] = []
        buffer.reserveCapacity(canvas.width + 1)
        let before = full ? [] : previous?.cells ?? []
        var spans: [Range<Int>] = []
        canvas.cells.withUnsafeBufferPointer { cells in
            before.withUnsafeBufferPointer { old in
                for y in 0..<canvas.height {
                    let start = y * canvas.width
                    NCursesTerminal.changedSpans(old: old.isEmpty ? nil : old, new: cells, from: start, count: canvas.width, into: &spans)
                    for span in spans {
                        var x = span.lowerBound
                        while x < span.upperBound {
                            let style = cells[start + x].style
                            var end = x
                            buffer.removeAll(keepingCapacity: true)
                            while end < span.upperBound && cells[start + end].style == style {
                                buffer.append(wchar_t(bitPattern: cells[start + end].scalar))
                                end += 1
                            }
                            apply(style)
                            _ = wmove(window, Int32(y), Int32(x))
                            // The last cell of the screen cannot be written without
                            // scrolling, so stop one short there.
                            let count = (y == canvas.height - 1 && end == canvas.width) ? buffer.count - 1 : buffer.count
                            buffer.withUnsafeBufferPointer { _ = waddnwstr(window, $0.baseAddress, Int32(count)) }
                            x = end
                        }
                    }
                }
            }
        }
        previous = canvas
        _ = wnoutrefresh(window)
        _ = doupdate()
    }

    /// The columns of one row to write again: where `new` differs from
    /// `old` (the whole row when there is no `old`), as spans; spans fewer
    /// than `gap` equal cells apart are joined, one move instead of two.
    /// An unchanged row (compared as memory) has none.
    static func changedSpans(old: UnsafeBufferPointer<Cell>?, new: UnsafeBufferPointer<Cell>, from start: Int, count: Int,
                             gap: Int = 8, into spans: inout [Range<Int>]) {
        spans.removeAll(keepingCapacity: true)
        guard let old else {
            if count > 0 { spans.append(0..<count) }
            return
        }
        if memcmp(old.baseAddress! + start, new.baseAddress! + start, count * MemoryLayout<Cell>.stride) == 0 { return }
        var x = 0
        while x < count {
            guard old[start + x] != new[start + x] else {
                x += 1
                continue
            }
            var end = x + 1, same = 0
            while end + same < count && same < gap {
                if old[start + end + same] != new[start + end + same] {
                    end += same + 1
                    same = 0
                } else {
                    same += 1
                }
            }
            spans.append(x..<end)
            x = end + same
        }
    }

    /// Sets the window's attributes and colour pair for a style.
    func apply(_ style: Style) {
        if style == applied { return }
        applied = style
        let set: (attrs: attr_t, pair: Int32)
        if let known = styleAttributes[style] {
            set = known
        } else {
            set = attributes(style)
            styleAttributes[style] = set
        }
        var opts = set.pair
        _ = withUnsafeMutablePointer(to: &opts) { wattr_set(window, set.attrs, Int16(truncatingIfNeeded: set.pair), $0) }
    }

    /// A style's attributes and colour pair (made on first use).
    func attributes(_ style: Style) -> (attrs: attr_t, pair: Int32) {
        var attrs = payops_a_normal()
        if style.bold { attrs |= payops_a_bold() }
        if style.underline { attrs |= payops_a_underline() }
        var pair: Int32 = 0
        if depth == .none {
            // Monochrome: emphasis by attribute only.
            if style.reverse || style.background != nil { attrs |= payops_a_reverse() }
            switch style.role {
            case .dim, .border: attrs |= payops_a_dim()
            case .critical, .title: attrs |= payops_a_bold()
            default: break
            }
        } else {
            if style.reverse { attrs |= payops_a_reverse() }
            let fg = theme.color(style.role).flatMap { ColorMapping.number(for: $0, depth: depth) }.map(Int32.init) ?? -1
            let bgColor = style.background.flatMap { theme.color($0) } ?? theme.background
            let bg = bgColor.flatMap { ColorMapping.number(for: $0, depth: depth) }.map(Int32.init) ?? -1
            pair = pairNumber(fg: fg, bg: bg)
        }
        return (attrs, pair)
    }

    /// A colour pair for (fg, bg), made on first use; -1 is the default colour.
    func pairNumber(fg: Int32, bg: Int32) -> Int32 {
        let key = PairKey(fg: fg, bg: bg)
        if let p = pairs[key] { return p }
        let n = Int32(pairs.count + 1)
        guard n < payops_color_pairs() else { return 0 }
        _ = init_extended_pair(n, fg, bg)
        pairs[key] = n
        return n
    }
}
