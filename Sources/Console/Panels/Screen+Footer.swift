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
        let noticeWidth = state.notice.map { min($0.text.count + 2, canvas.width / 2) } ?? 0
        let limit = canvas.width - noticeWidth
        for (key, word) in hints {
            let keyText = glyphs == .ascii && key == "↑↓" ? "j/k" : key
            guard x + keyText.count + word.count + 3 <= limit else { break }
            x = canvas.put(keyText, x: x, y: y, style: Style(.accent, bold: true))
            x = canvas.put(" " + word + "  ", x: x, y: y, style: Style(.dim))
        }
        if let notice = state.notice {
            let text = String(notice.text.prefix(noticeWidth - 1))
            canvas.putRight(text, right: canvas.width - 1, y: y,
                            style: notice.severity == .info ? Style(.text) : alert(severityRole(notice.severity)))
        }
    }

    /// The `:` prompt on the bottom line; an error sits on the line above,
    /// with a caret under the column it names.
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
            let mx = caretX + 2 + message.count <= canvas.width ? caretX + 2 : max(0, canvas.width - message.count)
            if mx > caretX { canvas.put(message, x: mx, y: ey, style: Style(.critical)) }
            else { canvas.put(message, x: 0, y: ey, style: Style(.critical), maxWidth: caretX) }
        } else {
            canvas.put("   enter run  esc cancel  tab complete  ↑↓ history", x: x + 1, y: y, style: Style(.dim))
            if !state.completions.isEmpty {
                canvas.fill(Rect(x: 0, y: y - 1, width: canvas.width, height: 1))
                canvas.put(" " + state.completions.joined(separator: "  "), x: 0, y: y - 1, style: Style(.accent))
            }
        }
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
            ("/", "filter the event log"),
            ("", "rates are over the last 10 s; p50/p99 are committed requests"),
            ("offered goodput", "arrivals/s; commits/s; shed: refused unserved"),
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
