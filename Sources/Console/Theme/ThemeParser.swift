import PaySim
/// A theme file that could not be read, with the position of the problem.
public struct ThemeError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file; self.line = line; self.column = column; self.message = message
    }
    /// `file:line:column: message`, or `file: message` for the file as a whole.
    public var description: String {
        let f = InputText.shown(file, limit: 200)
        if file.isEmpty { return message }
        return line == 0 ? "\(f): \(message)" : "\(f):\(line):\(column): \(message)"
    }
}

/// Reads theme files: the small part of TOML themes need (comments,
/// `[tables]`, `key = "string"`, booleans and one-line arrays of strings),
/// reporting every problem — syntax or meaning — at its line and column.
///
/// Why not a general TOML library: a theme's worst errors are in meaning
/// (a misspelt role, a colour like `#12345`), and only a parser that keeps
/// positions for values can point at those.
public enum ThemeParser {
    enum Value {
        case string(String)
        case bool(Bool)
        case strings([(String, column: Int)])
    }

    static let roleKeys = ThemeRole.named.map(\.key)

    public static func parse(_ text: String, file: String) throws(ThemeError) -> Theme {
        var name: String?
        var description = ""
        var colors: [ThemeRole: RGB] = [:]
        var graph: [RGB] = []
        var background: RGB?
        var monochrome = false
        var section = ""
        var colorsLine = 1
        var seen = Set<String>()
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            func fail(_ column: Int, _ message: String) -> ThemeError {
                ThemeError(file: file, line: lineNumber, column: column, message: message)
            }
            let chars = Array(rawLine)
            var i = 0
            func skipSpaces() { while i < chars.count && (chars[i] == " " || chars[i] == "\t") { i += 1 } }
            func atEnd() -> Bool { skipSpaces(); return i >= chars.count || chars[i] == "#" }
            if atEnd() { continue }
            if chars[i] == "[" {
                let start = i
                i += 1
                var header = ""
                while i < chars.count && chars[i] != "]" { header.append(chars[i]); i += 1 }
                guard i < chars.count else { throw fail(start + 1, "unterminated table header; expected [colors]") }
                i += 1
                header = header.trimmingSpaces
                guard header == "colors" else { throw fail(start + 2, "unknown table [\(header)]; the only table is [colors]") }
                guard atEnd() else { throw fail(i + 1, "unexpected '\(InputText.shown(String(chars[i])))' after the table header") }
                section = header
                colorsLine = lineNumber
                continue
            }
            let keyStart = i
            var key = ""
            while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" || chars[i] == "-" { key.append(chars[i]); i += 1 }
            guard !key.isEmpty else { throw fail(i + 1, "expected a key like text = \"#d0d0d0\", found '\(InputText.shown(String(chars[i])))'") }
            skipSpaces()
            guard i < chars.count, chars[i] == "=" else { throw fail(i + 1, "expected '=' after '\(InputText.shown(key))'") }
            i += 1
            skipSpaces()
            let valueColumn = i + 1
            let value: Value
            guard i < chars.count else { throw fail(valueColumn, "expected a value after '\(key) ='") }
            if chars[i] == "\"" {
                value = .string(try readString())
            } else if chars[i] == "[" {
                i += 1
                var items: [(String, column: Int)] = []
                while true {
                    skipSpaces()
                    guard i < chars.count else { throw fail(i + 1, "unterminated array; arrays must close on the same line with ']'") }
                    if chars[i] == "]" { i += 1; break }
                    let column = i + 1
                    guard chars[i] == "\"" else { throw fail(column, "expected a quoted colour like \"#2b83ba\" in the array") }
                    items.append((try readString(), column))
                    skipSpaces()
                    if i < chars.count && chars[i] == "," { i += 1 }
                }
                value = .strings(items)
            } else {
                var word = ""
                while i < chars.count && !chars[i].isWhitespace && chars[i] != "#" { word.append(chars[i]); i += 1 }
                switch word {
                case "true": value = .bool(true)
                case "false": value = .bool(false)
                default: throw fail(valueColumn, "expected a quoted string, true, false or an array, found '\(InputText.shown(word))'")
                }
            }
            guard atEnd() else { throw fail(i + 1, "unexpected '\(InputText.shown(String(chars[i])))' after the value of '\(InputText.shown(key))'") }

            func readString() throws(ThemeError) -> String {
                let start = i
                i += 1
                var s = ""
                while i < chars.count && chars[i] != "\"" {
                    if chars[i] == "\\" { throw fail(i + 1, "escapes are not supported in theme strings") }
                    s.append(chars[i]); i += 1
                }
                guard i < chars.count else { throw fail(start + 1, "unterminated string") }
                i += 1
                return s
            }
            func color(_ s: String, _ column: Int) throws(ThemeError) -> RGB {
                guard let c = RGB(hex: s) else { throw fail(column, "'\(InputText.shown(s))' is not a colour; expected #rrggbb, like #2b83ba") }
                return c
            }

            let qualified = section.isEmpty ? key : "\(section).\(key)"
            guard seen.insert(qualified).inserted else { throw fail(keyStart + 1, "'\(InputText.shown(key))' is set twice") }
            switch (section, key, value) {
            case ("", "name", .string(let s)):
                guard !s.isEmpty, s.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    throw fail(valueColumn, "a theme name uses letters, digits, '-' and '_' only")
                }
                name = s
            case ("", "description", .string(let s)): description = s
            case ("", "monochrome", .bool(let b)): monochrome = b
            case ("colors", "graph", .strings(let items)):
                guard items.count >= 2 else { throw fail(valueColumn, "graph needs at least 2 colours, low to high") }
                graph = []
                for (s, column) in items { graph.append(try color(s, column)) }
            case ("colors", "background", .string(let s)): background = try color(s, valueColumn)
            case ("colors", let k, .string(let s)) where roleKeys.contains(k):
                colors[ThemeRole.named.first { $0.key == k }!.role] = try color(s, valueColumn)
            case ("", "name", _), ("", "description", _):
                throw fail(valueColumn, "'\(InputText.shown(key))' must be a quoted string")
            case ("", "monochrome", _):
                throw fail(valueColumn, "'monochrome' must be true or false")
            case ("colors", "graph", _):
                throw fail(valueColumn, "'graph' must be an array of colours, like [\"#2b83ba\", \"#d7191c\"]")
            case ("colors", let k, _) where roleKeys.contains(k) || k == "background":
                throw fail(valueColumn, "'\(InputText.shown(k))' must be a quoted colour like \"#d0d0d0\"")
            case ("colors", _, _):
                throw fail(keyStart + 1, "unknown colour role '\(InputText.shown(key))'; roles are \(roleKeys.joined(separator: ", ")), background and graph")
            default:
                throw fail(keyStart + 1, "unknown key '\(InputText.shown(key))'; expected name, description, monochrome or a [colors] table")
            }
        }
        func fail(_ message: String) -> ThemeError { ThemeError(file: file, line: colorsLine, column: 1, message: message) }
        guard let name else { throw ThemeError(file: file, line: 1, column: 1, message: "missing name = \"…\"") }
        if !monochrome {
            let missing = roleKeys.filter { k in colors[ThemeRole.named.first { $0.key == k }!.role] == nil }
            guard missing.isEmpty else { throw fail("[colors] is missing \(missing.joined(separator: ", ")) (or set monochrome = true)") }
            guard !graph.isEmpty else { throw fail("[colors] is missing graph, the low-to-high gradient") }
        }
        return Theme(name: name, description: description, colors: monochrome ? [:] : colors, graph: monochrome ? [] : graph,
                     background: monochrome ? nil : background, monochrome: monochrome, source: file)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
