import Foundation
import PaySim

/// The console's own settings from `$XDG_CONFIG_HOME/payops/config.toml`:
/// the default theme, frame rate and speed, key bindings and layouts.
///
///     theme = "nord"
///     fps = 10
///     speed = 1
///
///     [keys]
///     drain = "D"
///     fail = ["F", "x"]
///
///     [layout.wide]          # 120 columns and more
///     rows = ["flow", "transactions cache", "nodes:2 queues", "events"]
///     heights = [3, 1, 2, 2]
///
/// A problem is reported at its `file:line:column` and that one setting
/// falls back to its default; the rest of the file still applies.
public struct ConsoleConfig: Sendable {
    /// Where a value came from: `default`, or `file:line`.
    public struct Setting<T: Sendable>: Sendable {
        public var value: T
        public var origin: String
    }
    public var theme = Setting<String?>(value: nil, origin: "default")
    public var fps = Setting(value: 10, origin: "default")
    public var speed = Setting(value: 1.0, origin: "default")
    public var bindings = KeyBindings.standard
    /// Each rebound action's `file:line`.
    public var bindingOrigins: [ConsoleAction: String] = [:]
    public var layouts: [PanelLayout.SizeClass: PanelLayout] = [:]
    public var layoutOrigins: [PanelLayout.SizeClass: String] = [:]
    var heightOrigins: [PanelLayout.SizeClass: String] = [:]
    /// `file:line:column: message` for each setting that was refused.
    public var problems: [String] = []
    /// The file read, if there was one.
    public var path: String?

    public init() {}

    /// The user's file (`$XDG_CONFIG_HOME/payops/config.toml`, or under `~/.config`).
    public static func standardPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return config + "/payops/config.toml"
    }

    /// Reads the user's file; no file is the defaults, without a problem.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) -> ConsoleConfig {
        let path = standardPath(environment: environment)
        guard FileManager.default.fileExists(atPath: path) else { return ConsoleConfig() }
        var c = ConsoleConfig()
        c.path = path
        guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20,
              let text = String(data: data, encoding: .utf8) else {
            c.problems.append("\(InputText.shown(path, limit: 200)): cannot be read as UTF-8 text of at most 1 MiB; using the defaults")
            return c
        }
        c.read(text, file: path)
        return c
    }

    static let fpsRange = 1...60
    static let speedRange = 0.1...100.0

    /// Applies `text`, recording each problem and keeping the default for it.
    public mutating func read(_ text: String, file: String) {
        let shown = InputText.shown(file, limit: 200)
        var rows: [PanelLayout.SizeClass: (rows: [String], columns: [Int], line: Int)] = [:]
        var heights: [PanelLayout.SizeClass: (values: [Int], column: Int, line: Int)] = [:]
        for entry in TomlLite.entries(text) {
            func problem(_ column: Int, _ message: String) { problems.append("\(shown):\(entry.line):\(column): \(message)") }
            if let e = entry.error { problem(entry.column, e); continue }
            let at = "\(shown):\(entry.line)"
            switch (entry.table, entry.key) {
            case ("", "theme"):
                guard case .string(let s) = entry.value else { problem(entry.valueColumn, "expected a theme name in quotes, like theme = \"nord\""); continue }
                theme = Setting(value: s, origin: at)
            case ("", "fps"):
                guard case .number(let n) = entry.value, n == n.rounded(), ConsoleConfig.fpsRange.contains(Int(n)) else {
                    problem(entry.valueColumn, "expected a whole number of frames per second, 1 to 60"); continue
                }
                fps = Setting(value: Int(n), origin: at)
            case ("", "speed"):
                guard case .number(let n) = entry.value, ConsoleConfig.speedRange.contains(n) else {
                    problem(entry.valueColumn, "expected a speed from 0.1 to 100"); continue
                }
                speed = Setting(value: n, origin: at)
            case ("keys", let name):
                guard let action = ConsoleAction(rawValue: name) else {
                    problem(entry.column, "unknown action '\(InputText.shown(name, limit: 40))'; expected one of: \(ConsoleAction.allCases.map(\.rawValue).joined(separator: ", "))")
                    continue
                }
                let texts: [(String, Int)]
                switch entry.value {
                case .string(let s): texts = [(s, entry.valueColumn)]
                case .strings(let list): texts = list
                default: problem(entry.valueColumn, "expected a key in quotes (\"D\", \"space\") or a list of them"); continue
                }
                var keys: [KeyEvent] = []
                var bad = false
                for (t, column) in texts {
                    guard let k = KeyBindings.parseKey(t) else {
                        problem(column, "'\(InputText.shown(t, limit: 20))' is not a key; expected one printable character or space, enter, tab, backtab, up, down, left, right, home, end, pgup, pgdn")
                        bad = true
                        break
                    }
                    keys.append(k)
                }
                if bad { continue }
                guard !keys.isEmpty else { problem(entry.valueColumn, "expected at least one key"); continue }
                do {
                    try bindings.bind(action, to: keys)
                    bindingOrigins[action] = at
                } catch {
                    problem(entry.valueColumn, "'\(KeyBindings.name(error.key))' is already \(error.holder.rawValue)'s key (\(bindingOrigins[error.holder] ?? "")); \(action.rawValue) keeps its default")
                }
            case (let table, "rows") where table.hasPrefix("layout."):
                guard let size = PanelLayout.SizeClass(rawValue: String(table.dropFirst(7))) else {
                    problem(1, "unknown table [\(InputText.shown(table, limit: 40))]; expected [layout.narrow] (80–119 columns) or [layout.wide] (120 and more)"); continue
                }
                guard case .strings(let list) = entry.value, !list.isEmpty else {
                    problem(entry.valueColumn, "expected a list of rows, like rows = [\"flow\", \"nodes:2 queues\"]"); continue
                }
                rows[size] = (list.map(\.0), list.map(\.column), entry.line)
            case (let table, "heights") where table.hasPrefix("layout."):
                guard let size = PanelLayout.SizeClass(rawValue: String(table.dropFirst(7))) else {
                    problem(1, "unknown table [\(InputText.shown(table, limit: 40))]; expected [layout.narrow] or [layout.wide]"); continue
                }
                guard case .numbers(let list) = entry.value, list.allSatisfy({ $0 >= 1 && $0 <= 100 && $0 == $0.rounded() }) else {
                    problem(entry.valueColumn, "expected a list of relative heights, whole numbers 1 to 100, like heights = [3, 1, 2]"); continue
                }
                heights[size] = (list.map { Int($0) }, entry.valueColumn, entry.line)
            case (let table, let key):
                let known = table.isEmpty ? "theme, fps, speed, [keys], [layout.narrow], [layout.wide]" : table.hasPrefix("layout.") ? "rows, heights" : "theme, fps, speed"
                problem(entry.column, "unknown setting '\(InputText.shown(table.isEmpty ? key : table + "." + key, limit: 60))'; expected \(known)")
            }
        }
        for (size, spec) in rows {
            var built: [PanelLayout.Row] = []
            var failed = false
            for (i, text) in spec.rows.enumerated() where !failed {
                var cells: [PanelLayout.Cell] = []
                var offset = 1
                for word in text.split(separator: " ", omittingEmptySubsequences: false) {
                    defer { offset += word.count + 1 }
                    guard !word.isEmpty else { continue }
                    let parts = word.split(separator: ":", maxSplits: 1)
                    let name = String(parts[0])
                    guard let panel = ConsoleState.Panel.allCases.first(where: { "\($0)" == name }) else {
                        problems.append("\(shown):\(spec.line):\(spec.columns[i] + offset): unknown panel '\(InputText.shown(name, limit: 30))'; expected \(ConsoleState.Panel.allCases.map { "\($0)" }.joined(separator: ", ")), each with an optional :WEIGHT")
                        failed = true
                        break
                    }
                    let weight = parts.count == 2 ? Int(parts[1]) : 1
                    guard let weight, (1...100).contains(weight) else {
                        problems.append("\(shown):\(spec.line):\(spec.columns[i] + offset + name.count + 1): expected a width weight 1 to 100 after '\(name):'")
                        failed = true
                        break
                    }
                    if built.contains(where: { $0.cells.contains { $0.panel == panel } }) || cells.contains(where: { $0.panel == panel }) {
                        problems.append("\(shown):\(spec.line):\(spec.columns[i] + offset): \(name) is already in this layout")
                        failed = true
                        break
                    }
                    cells.append(PanelLayout.Cell(panel: panel, weight: weight))
                }
                if !failed && cells.isEmpty {
                    problems.append("\(shown):\(spec.line):\(spec.columns[i]): an empty row; name at least one panel")
                    failed = true
                }
                built.append(PanelLayout.Row(cells: cells, weight: 1))
            }
            if let h = heights[size] {
                if h.values.count != built.count {
                    problems.append("\(shown):\(h.line):\(h.column): \(h.values.count) heights for \(built.count) rows; give one a row")
                    failed = true
                } else {
                    for i in built.indices { built[i].weight = h.values[i] }
                }
            }
            if failed {
                problems[problems.count - 1] += "; the built-in \(size) layout is used"
                continue
            }
            layouts[size] = PanelLayout(rows: built)
            layoutOrigins[size] = "\(shown):\(spec.line)"
            heightOrigins[size] = heights[size].map { "\(shown):\($0.line)" } ?? "default (even)"
        }
        for (size, h) in heights where rows[size] == nil {
            problems.append("\(shown):\(h.line):\(h.column): heights without rows in [layout.\(size)]")
        }
    }

    /// The effective configuration as a config file writes it, each value
    /// with where it came from.
    public func describe() -> String {
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        func line(_ text: String, _ origin: String) -> String { text.padding(toLength: max(text.count, 44), withPad: " ", startingAt: 0) + "  # " + origin }
        var out = ["# payops console configuration in effect; file: \(path.map { InputText.shown($0, limit: 200) } ?? "\(ConsoleConfig.standardPath()) (none)")"]
        out.append(line("theme = \(theme.value.map { q(InputText.shown($0, limit: 60)) } ?? q("default"))", theme.origin))
        out.append(line("fps = \(fps.value)", fps.origin))
        out.append(line("speed = \(speed.value == speed.value.rounded() ? String(Int(speed.value)) : String(speed.value))", speed.origin))
        out.append("")
        out.append("[keys]")
        for a in ConsoleAction.allCases {
            let keys = (bindings.keys[a] ?? []).map { q(KeyBindings.name($0)) }
            let value = keys.count == 1 ? keys[0] : "[\(keys.joined(separator: ", "))]"
            out.append(line("\(a.rawValue) = \(value)", bindingOrigins[a] ?? "default"))
        }
        for size in PanelLayout.SizeClass.allCases {
            out.append("")
            out.append("[layout.\(size)]")
            if let l = layouts[size] {
                out.append(line("rows = [\(l.rowTexts.map(q).joined(separator: ", "))]", layoutOrigins[size] ?? ""))
                out.append(line("heights = [\(l.rows.map { "\($0.weight)" }.joined(separator: ", "))]", heightOrigins[size] ?? ""))
            } else {
                out.append("# the built-in \(size == .wide ? "wide (120 columns and more)" : "narrow (80–119 columns)") layout")
            }
        }
        return out.joined(separator: "\n")
    }
}

/// The part of TOML a config file needs, with positions: comments,
/// `[table]` and `[table.sub]` headers, `key = value` where a value is a
/// string, a number, a boolean, or a one-line list of strings or numbers.
enum TomlLite {
    enum Value {
        case string(String)
        case number(Double)
        case bool(Bool)
        case strings([(String, column: Int)])
        case numbers([Double])
    }
    struct Entry {
        var table: String
        var key: String
        var value: Value?
        var line: Int
        var column: Int
        var valueColumn: Int
        var error: String?
    }

    static func entries(_ text: String) -> [Entry] {
        var out: [Entry] = []
        var table = ""
        var lineNumber = 0
        var seen = Set<String>()
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let chars = Array(raw)
            var i = 0
            func skip() { while i < chars.count && (chars[i] == " " || chars[i] == "\t") { i += 1 } }
            func atEnd() -> Bool { skip(); return i >= chars.count || chars[i] == "#" }
            func fail(_ column: Int, _ message: String) { out.append(Entry(table: table, key: "", line: lineNumber, column: column, valueColumn: column, error: message)) }
            if atEnd() { continue }
            if chars[i] == "[" {
                let start = i + 1
                guard let close = chars[i...].firstIndex(of: "]") else { fail(start, "unterminated table header; expected [keys] or [layout.wide]"); continue }
                table = String(chars[(i + 1)..<close]).trimmingCharacters(in: .whitespaces)
                i = close + 1
                if !atEnd() { fail(i + 1, "unexpected text after the table header") }
                if table.isEmpty || !table.allSatisfy({ $0.isLetter || $0 == "." || $0 == "_" }) { fail(start + 1, "'\(InputText.shown(table, limit: 40))' is not a table name") }
                continue
            }
            let keyColumn = i + 1
            var key = ""
            while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "-" { key.append(chars[i]); i += 1 }
            guard !key.isEmpty else { fail(keyColumn, "expected a setting like fps = 10, found '\(InputText.shown(String(chars[i])))'"); continue }
            skip()
            guard i < chars.count, chars[i] == "=" else { fail(i + 1, "expected '=' after '\(InputText.shown(key, limit: 40))'"); continue }
            i += 1
            skip()
            let valueColumn = i + 1
            guard !seen.contains(table + "." + key) else { fail(keyColumn, "'\(InputText.shown(key, limit: 40))' is set twice in \(table.isEmpty ? "the file" : "[\(table)]")"); continue }
            seen.insert(table + "." + key)
            func string() -> String? {
                guard i < chars.count, chars[i] == "\"" else { return nil }
                i += 1
                var s = ""
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                    s.append(chars[i])
                    i += 1
                }
                guard i < chars.count else { return nil }
                i += 1
                return s
            }
            func number() -> Double? {
                var t = ""
                while i < chars.count, chars[i].isNumber || chars[i] == "." || chars[i] == "-" || chars[i] == "+" || chars[i] == "_" { if chars[i] != "_" { t.append(chars[i]) }; i += 1 }
                return Double(t).flatMap { $0.isFinite ? $0 : nil }
            }
            var value: Value?
            if i < chars.count, chars[i] == "\"" {
                value = string().map { .string($0) }
            } else if i < chars.count, chars[i] == "[" {
                i += 1
                var strs: [(String, column: Int)] = [], nums: [Double] = []
                var ok = true
                while ok {
                    skip()
                    guard i < chars.count else { ok = false; break }
                    if chars[i] == "]" { i += 1; break }
                    let column = i + 1
                    if chars[i] == "\"" {
                        guard let s = string(), nums.isEmpty else { ok = false; break }
                        strs.append((s, column))
                    } else {
                        guard let n = number(), strs.isEmpty else { ok = false; break }
                        nums.append(n)
                    }
                    skip()
                    if i < chars.count, chars[i] == "," { i += 1 }
                }
                if ok { value = nums.isEmpty ? .strings(strs) : .numbers(nums) }
            } else if chars[i...].starts(with: "true") {
                i += 4; value = .bool(true)
            } else if chars[i...].starts(with: "false") {
                i += 5; value = .bool(false)
            } else {
                value = number().map { .number($0) }
            }
            guard let value, atEnd() else {
                fail(valueColumn, "expected a value: \"text\", a number, true/false or a one-line [list]")
                continue
            }
            out.append(Entry(table: table, key: key, value: value, line: lineNumber, column: keyColumn, valueColumn: valueColumn))
        }
        return out
    }
}
