/// The characters the console draws with: Unicode where the locale is
/// UTF-8, plain ASCII where it is not, so a serial console or a C locale
/// still gets a readable screen.
public struct Glyphs: Sendable, Equatable {
    public var horizontal: Character, vertical: Character
    public var topLeft: Character, topRight: Character, bottomLeft: Character, bottomRight: Character
    /// Sparkline levels, lowest first.
    public var levels: [Character]
    public var barFull: Character, barEmpty: Character
    public var up: Character, down: Character, draining: Character, recovering: Character
    public var checkPass: Character, checkFail: Character
    public var pointer: Character
    public var separator: Character
    public var ok: String
    public var ellipsis: Character

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        levels: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], barFull: "█", barEmpty: "░",
        up: "●", down: "✖", draining: "◐", recovering: "↻", checkPass: "✓", checkFail: "✗",
        pointer: "▸", separator: "│", ok: "✓", ellipsis: "…")

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        levels: ["_", ".", "-", "=", "+", "*", "#", "@"], barFull: "#", barEmpty: ".",
        up: "o", down: "x", draining: "~", recovering: "^", checkPass: "+", checkFail: "x",
        pointer: ">", separator: "|", ok: "ok", ellipsis: "~")

    /// Unicode when the locale's character set is UTF-8.
    public static func forLocale(codeset: String?) -> Glyphs {
        guard let c = codeset?.lowercased().filter({ $0 != "-" }) else { return .ascii }
        return c == "utf8" ? .unicode : .ascii
    }
}
