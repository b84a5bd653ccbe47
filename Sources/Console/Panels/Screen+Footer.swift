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
        // The keys in force (a config file may have moved them); an action with no key is left out.
        let b = state.bindings
        func pair(_ a: ConsoleAction, _ c: ConsoleAction) -> String? {
            guard let x = b.first(a), let y = b.first(c) else { return b.first(a) ?? b.first(c) }
            return x.count == 1 && y.count == 1 ? x + y : "\(x)/\(y)"
        }
        let select = b.keys[.selectUp]?.first == .up && b.keys[.selectDown]?.first == .down ? "↑↓" : pair(.selectUp, .selectDown)
        let rate = b.first(.rateUp) == "+" && b.first(.rateDown) == "-" ? "+/-" : pair(.rateUp, .rateDown)
        let hints: [(String, String)] = [
            (b.first(.help), "help"), (b.first(.quit), "quit"), (b.first(.pause), snapshot.paused ? "resume" : "pause"),
            (b.first(.spike), "spike"), (rate, "rate"), (select, "select"), (b.first(.drain), "drain"), (b.first(.fail), "fail"),
            (b.first(.recover), "recover"), (b.first(.balancer), "lb"), (b.first(.protocolSwitch), "2pc/3pc"),
            (b.first(.cacheFlush), "flush"), (b.first(.command), "command"), (b.first(.filter), "filter"),
            (pair(.slower, .faster), "speed"),
        ].compactMap { k, w in k.map { ($0, w) } }
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

    /// Help, centred over the panels: the keys in force (a config file's
    /// marked), then the command language with an example a line, in as
    /// many pages as the screen needs (Tab turns them).
    mutating func drawHelp() {
        let w = min(canvas.width - 4, 124)
        let b = state.bindings
        var keys: [(String, String, Bool)] = ConsoleAction.allCases.map { a in
            (b.label(a), a.summary + (b.rebound.contains(a) ? "  (config)" : ""), b.rebound.contains(a))
        }
        keys.append(("Esc  Ctrl-C", "close / quit; a click selects a node or focuses a panel", false))
        let commands = CommandParser.grammar.map { ($0.form, "e.g. " + $0.example, false) }
        // Two columns when the width allows; pages of what fits the height.
        let twoColumns = w >= 90
        let perColumn = max(1, canvas.height - 8)
        let perPage = perColumn * (twoColumns ? 2 : 1)
        var pages: [(title: String, keyWidth: Int, lines: [(String, String, Bool)])] = []
        for (title, keyWidth, list) in [("keys", 12, keys), ("commands", twoColumns ? 34 : 40, commands)] {
            var i = 0
            while i < list.count {
                pages.append((title, keyWidth, Array(list[i..<min(list.count, i + perPage)])))
                i += perPage
            }
        }
        let page = pages[state.helpPage % pages.count]
        let used = twoColumns ? (page.lines.count + 1) / 2 : page.lines.count
        let h = used + 4
        let rect = Rect(x: (canvas.width - w) / 2, y: max(1, (canvas.height - h) / 2), width: w, height: h)
        canvas.fill(rect)
        canvas.box(rect, title: "Help \(state.helpPage % pages.count + 1)/\(pages.count): \(page.title) (Tab: next page)", glyphs: glyphs)
        let columnWidth = twoColumns ? (w - 4) / 2 : w - 4
        let keyWidth = min(page.keyWidth, columnWidth / 2)
        for (i, line) in page.lines.enumerated() {
            let column = i / used, row = i % used
            let x = rect.x + 2 + column * columnWidth
            canvas.put(line.0, x: x, y: rect.y + 2 + row, style: Style(.accent, bold: true), maxWidth: keyWidth - 1)
            canvas.put(line.1, x: x + keyWidth, y: rect.y + 2 + row, style: Style(line.2 ? .warn : .text), maxWidth: columnWidth - keyWidth - 1)
        }
    }
}
