import CNCurses
import PaySim
#if canImport(Glibc)
import Glibc
#endif

/// Why the terminal could not be set up.
public struct TerminalError: Error, CustomStringConvertible {
    public var description: String
}

/// The terminal backend — the only file that talks to ncurses. ncurses
/// sets the terminal up (its modes, the alternate screen, keypad and mouse
/// reporting), reads keys and puts everything back; frames are written by
/// this class itself: it keeps the last frame, finds the spans of cells
/// that changed, and writes them with the terminal's own terminfo strings
/// (cursor address, attributes, colours) in one `write` per frame.
/// Letting ncurses write them meant diffing each frame twice (ours, then
/// its own copy of the screen) and converting every cell to its wide
/// character type: most of a frame's cost.
public final class NCursesTerminal: TerminalBackend {
    let screen: OpaquePointer
    let window: UnsafeMutablePointer<WINDOW>
    public let depth: ColorDepth
    let theme: Theme
    var pairs: [PairKey: Int32] = [:]
    /// The terminal's strings for what a frame needs.
    let caps: Capabilities
    /// Each style's attribute and colour sequence, worked out once (the
    /// theme and colour depth never change).
    var sequences: [Style: [UInt8]] = [:]
    var previous: Canvas?
    var restored = false
    /// The frame being written and a row's changed spans, kept to reuse their storage.
    var output: [UInt8] = []
    var spans: [Range<Int>] = []

    struct PairKey: Hashable { let fg: Int32, bg: Int32 }

    /// Terminfo strings; `cup` is always there (the console refuses a
    /// terminal without it), the others may not be.
    struct Capabilities {
        let cup: String
        let sgr0: [UInt8], clear: [UInt8]
        let bold: [UInt8]?, dim: [UInt8]?, reverse: [UInt8]?, underline: [UInt8]?
        let setaf: String?, setab: String?

        init() {
            func string(_ name: String) -> String? { payops_tigetstr(name).map { String(cString: $0) } }
            func bytes(_ name: String) -> [UInt8]? { string(name).map { Array($0.utf8) } }
            cup = string("cup") ?? ""
            sgr0 = bytes("sgr0") ?? []
            clear = bytes("clear") ?? []
            bold = bytes("bold")
            dim = bytes("dim")
            reverse = bytes("rev")
            underline = bytes("smul")
            setaf = string("setaf")
            setab = string("setab")
        }
    }

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
        caps = Capabilities()
        if let bg = theme.background, let n = ColorMapping.number(for: bg, depth: d) {
            wbkgdset(window, chtype(payops_color_pair(Int16(pairNumber(fg: -1, bg: Int32(n))))) | 32)
        }
        // ncurses's first refresh enters the full-screen mode (alternate
        // screen, keypad, cleared); from then on it writes nothing until
        // `restore`, since the window is never touched through it.
        _ = wrefresh(window)
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
        // Back from a stop (Ctrl-Z, fg): ncurses has put back only what it
        // knows of the screen, so the whole frame is drawn again.
        if payops_take_continued() != 0 {
            previous = nil
            return .resize
        }
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
        output.removeAll(keepingCapacity: true)
        if full {
            // Whatever ncurses still has to write (its first screen, or a
            // clear after a resize or a stop) goes out first; then the screen
            // is cleared in the theme's background and written whole.
            _ = wnoutrefresh(window)
            _ = doupdate()
            output.append(contentsOf: sequence(Style(.text)))
            output.append(contentsOf: caps.clear)
        }
        var current: Style?
        NCursesTerminal.forEachChange(from: previous, to: canvas, spans: &spans) { y, span, cells in
            // The last cell of the screen cannot be written without
            // scrolling, so stop one short there.
            let end = y == canvas.height - 1 && span.upperBound == canvas.width ? span.upperBound - 1 : span.upperBound
            guard span.lowerBound < end else { return }
            moveCursor(row: y, column: span.lowerBound)
            let start = y * canvas.width
            for x in span.lowerBound..<end {
                let cell = cells[start + x]
                if cell.style != current {
                    output.append(contentsOf: sequence(cell.style))
                    current = cell.style
                }
                NCursesTerminal.appendUTF8(cell.scalar, to: &output)
            }
        }
        // Plain attributes between frames, as ncurses believes them to be.
        if current != nil || full { output.append(contentsOf: caps.sgr0) }
        NCursesTerminal.writeAll(output)
        previous = canvas
    }

    /// Walks the spans of `canvas` that differ from `previous` (each row
    /// whole when there is none, or its size differs), row by row: the
    /// frame diff that every terminal backend makes.
    static func forEachChange(from previous: Canvas?, to canvas: Canvas, spans: inout [Range<Int>],
                              _ body: (_ row: Int, _ span: Range<Int>, _ cells: UnsafeBufferPointer<Cell>) -> Void) {
        let before = previous.map { $0.width == canvas.width && $0.height == canvas.height ? $0.cells : [] } ?? []
        canvas.cells.withUnsafeBufferPointer { cells in
            before.withUnsafeBufferPointer { old in
                for y in 0..<canvas.height {
                    changedSpans(old: old.isEmpty ? nil : old, new: cells, from: y * canvas.width, count: canvas.width, into: &spans)
                    for span in spans { body(y, span, cells) }
                }
            }
        }
    }

    /// The cursor address for (row, column), from the terminal's `cup`.
    func moveCursor(row: Int, column: Int) {
        NCursesTerminal.append(caps.cup.withCString { payops_tiparm2($0, Int32(row), Int32(column)) }, to: &output)
    }

    /// Appends what a terminfo function returned (nothing for nil).
    static func append(_ string: UnsafePointer<CChar>?, to out: inout [UInt8]) {
        guard var p = string else { return }
        while p.pointee != 0 {
            out.append(UInt8(bitPattern: p.pointee))
            p += 1
        }
    }

    /// A cell's character in UTF-8. Control characters, which would act on
    /// the terminal instead of showing, are shown as `?`.
    @inline(__always) static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0x20..<0x7F: out.append(UInt8(scalar))
        case 0..<0x20, 0x7F..<0xA0: out.append(UInt8(ascii: "?"))
        case 0xA0..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18 & 0x07))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Writes all of `bytes` to the terminal, through interruptions.
    static func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
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

    /// What a style looks like on this terminal: emphasis, and colour
    /// numbers (-1: the terminal's default).
    struct Look: Equatable {
        var bold = false, dim = false, reverse = false, underline = false
        var fg: Int32 = -1, bg: Int32 = -1
    }

    func look(_ style: Style) -> Look {
        var l = Look(bold: style.bold, underline: style.underline)
        if depth == .none {
            // Monochrome: emphasis by attribute only.
            if style.reverse || style.background != nil { l.reverse = true }
            switch style.role {
            case .dim, .border: l.dim = true
            case .critical, .title: l.bold = true
            default: break
            }
        } else {
            l.reverse = style.reverse
            l.fg = theme.color(style.role).flatMap { ColorMapping.number(for: $0, depth: depth) }.map(Int32.init) ?? -1
            let bgColor = style.background.flatMap { theme.color($0) } ?? theme.background
            l.bg = bgColor.flatMap { ColorMapping.number(for: $0, depth: depth) }.map(Int32.init) ?? -1
        }
        return l
    }

    /// The bytes that set a style: attributes off, then its emphasis and
    /// colours (made on first use).
    func sequence(_ style: Style) -> [UInt8] {
        if let known = sequences[style] { return known }
        let l = look(style)
        var out = caps.sgr0
        if l.bold, let b = caps.bold { out += b }
        if l.dim, let d = caps.dim { out += d }
        if l.reverse, let r = caps.reverse { out += r }
        if l.underline, let u = caps.underline { out += u }
        func color(_ cap: String?, _ n: Int32) {
            guard n >= 0, let cap else { return }
            NCursesTerminal.append(cap.withCString { payops_tiparm1($0, n) }, to: &out)
        }
        color(caps.setaf, l.fg)
        color(caps.setab, l.bg)
        sequences[style] = out
        return out
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
