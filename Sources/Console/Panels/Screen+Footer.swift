import PaySim

extension Screen {
    /// The bottom line: the keys that apply now, or the prompt, or the
    /// confirmation, with the last action's notice at the right.
    mutating func drawFooter() {
        let y = canvas.height - 1
        switch state.mode {
        case .prompt:
            drawPrompt(y: y)
            return
        case .filter:
            var x = canvas.put("/", x: 0, y: y, style: Style(.accent, bold: true))
            x = canvas.put(state.eventFilter, x: x, y: y, style: Style(.text))
            canvas.put(" ", x: 1 + state.filterCursor, y: y, style: Style(.text, reverse: true))
            canvas.put("   enter keep  esc clear", x: x + 1, y: y, style: Style(.dim))
            return
        case .confirmFail(let node):
            let x = canvas.put(" fail node-\(node + 1)? ", x: 0, y: y, style: Style(.critical, bold: true, reverse: true))
            canvas.put("  y  confirm    any other key cancels", x: x, y: y, style: Style(.text))
            return
        case .help, .normal:
            break
        }
        let hints: [(String, String)] = [
            ("?", "help"), ("q", "quit"), ("space", snapshot.paused ? "resume" : "pause"), ("s", "spike"), ("+/-", "rate"),
            ("↑↓", "select"), ("d", "drain"), ("f", "fail"), ("r", "recover"), ("l", "lb"), ("p", "2pc/3pc"),
            ("c", "flush"), (":", "command"), ("/", "filter"), ("<>", "speed"),
        ]
        var x = 1
        let noticeWidth = state.notice.map { min($0.text.count + 2, canvas.width / (timelineInFooter ? 3 : 2)) } ?? 0
        let limit = canvas.width - noticeWidth
        if timelineInFooter {
            // A short screen with a drill: the timeline in place of the key hints (? still shows them).
            drawTimeline(rows: 1, x: 1, y: y, width: limit - 2)
        } else {
            for (key, word) in hints {
                let keyText = glyphs == .ascii && key == "↑↓" ? "j/k" : key
                guard x + keyText.count + word.count + 3 <= limit else { break }
                x = canvas.put(keyText, x: x, y: y, style: Style(.accent, bold: true))
                x = canvas.put(" " + word + "  ", x: x, y: y, style: Style(.dim))
            }
        }
        if let notice = state.notice {
            let text = String(notice.text.prefix(noticeWidth - 1))
            canvas.putRight(text, right: canvas.width - 1, y: y,
                            style: notice.severity == .info ? Style(.text) : alert(severityRole(notice.severity)))
        }
    }

    /// The `:` prompt on the bottom line; an error sits on the line above,
    /// with a caret under the column it names. A message too long to follow
    /// the caret is wrapped onto the lines above it, whole words, at most
    /// four lines (the last cut with an ellipsis), so it is always read.
    mutating func drawPrompt(y: Int) {
        canvas.fill(Rect(x: 0, y: y, width: canvas.width, height: 1))
        var x = canvas.put(":", x: 0, y: y, style: Style(.accent, bold: true))
        x = canvas.put(state.promptText, x: x, y: y, style: Style(.text))
        let cursorX = 1 + state.promptCursor
        let under = cursorX < state.promptText.count + 1 ? String(Array(state.promptText)[state.promptCursor]) : " "
        canvas.put(under, x: cursorX, y: y, style: Style(.text, reverse: true))
        if let error = state.promptError {
            let ey = y - 1
            canvas.fill(Rect(x: 0, y: ey, width: canvas.width, height: 1))
            let caretX = min(canvas.width - 1, error.column)
            canvas.put("^", x: caretX, y: ey, style: alert(.critical))
            let message = "column \(error.column): \(error.message)"
            if caretX + 2 + message.count <= canvas.width {
                canvas.put(message, x: caretX + 2, y: ey, style: Style(.critical))
            } else {
                let lines = Screen.wrap(message, width: canvas.width - 2, maxLines: min(4, ey))
                for (i, line) in lines.enumerated() {
                    let ly = ey - lines.count + i
                    canvas.fill(Rect(x: 0, y: ly, width: canvas.width, height: 1))
                    canvas.put(line, x: 1, y: ly, style: Style(.critical))
                }
            }
        } else {
            canvas.put("   enter run  esc cancel  tab complete  ↑↓ history", x: x + 1, y: y, style: Style(.dim))
            if !state.completions.isEmpty {
                canvas.fill(Rect(x: 0, y: y - 1, width: canvas.width, height: 1))
                canvas.put(" " + state.completions.joined(separator: "  "), x: 0, y: y - 1, style: Style(.accent))
            }
        }
    }

    /// Splits `text` into lines of at most `width` characters at spaces (a
    /// word longer than a line is cut), at most `maxLines` of them; when it
    /// does not fit, the last line ends in an ellipsis.
    static func wrap(_ text: String, width: Int, maxLines: Int) -> [String] {
        guard width > 1, maxLines > 0 else { return [] }
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            var w = String(word)
            while w.count > width {
                if !current.isEmpty { lines.append(current); current = "" }
                lines.append(String(w.prefix(width)))
                w = String(w.dropFirst(width))
            }
            if current.isEmpty { current = w } else if current.count + 1 + w.count <= width { current += " " + w } else {
                lines.append(current)
                current = w
            }
        }
        if !current.isEmpty { lines.append(current) }
        guard lines.count > maxLines else { return lines }
        var kept = Array(lines.prefix(maxLines))
        kept[maxLines - 1] = String(kept[maxLines - 1].prefix(width - 1)) + "…"
        return kept
    }

    /// The key reference, centred over the panels.
    mutating func drawHelp() {
        let lines: [(String, String)] = [
            ("?", "this help (any key closes it)"),
            ("q  Ctrl-C", "quit"),
            ("space", "pause / resume the simulation"),
            ("+ / -", "raise / lower the base rate"),
            ("s", "spike: ×5 arrivals for 30 s"),
            ("< / >", "slower / faster simulated time"),
            ("↑ ↓  j k  Tab", "select a node (a click works too)"),
            ("d", "drain the selected node"),
            ("f", "fail the selected node (asks y to confirm)"),
            ("r", "recover the selected node"),
            ("l", "next balancer algorithm"),
            ("p", "switch 2PC / 3PC"),
            ("c", "flush the cache"),
            (":", "operator command, e.g. crash shard-2, retries budget off"),
            ("/  w v g  o e", "filter; flow range, workload, symbols; focus, zoom"),
            ("z  [ ]  { }", "freeze the screen; step 1 s / 10 s through the last 10 min"),
            ("offered goodput", "10 s rates: arrivals, commits; p99: committed, from arrival"),
            ("node rps", "requests it received, refused ones and consumer credits too"),
        ]
        let w = min(canvas.width - 4, 78), h = lines.count + 4
        let rect = Rect(x: (canvas.width - w) / 2, y: max(1, (canvas.height - h) / 2), width: w, height: h)
        canvas.fill(rect)
        canvas.box(rect, title: "Help", glyphs: glyphs)
        for (i, (key, what)) in lines.enumerated() {
            let y = rect.y + 2 + i
            canvas.put(key, x: rect.x + 3, y: y, style: Style(.accent, bold: true))
            canvas.put(what, x: rect.x + 20, y: y, style: Style(.text), maxWidth: rect.width - 22)
        }
    }
}
