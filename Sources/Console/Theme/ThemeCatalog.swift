import PaySim
import Foundation

/// Where themes come from: the shipped `Themes/` folder when it is found
/// (a source tree or an install prefix, so edits show without a rebuild),
/// else the copies compiled into the binary; then the user's
/// `$XDG_CONFIG_HOME/payops/themes/`, whose files add themes or override
/// shipped ones of the same name.
public struct ThemeCatalog: Sendable {
    public struct Entry: Sendable {
        public var name: String
        /// Where it came from: "shipped", "built-in" or "user", and its path.
        public var origin: String
        public var path: String
        /// The theme, or why its file could not be read.
        public var result: Result<Theme, ThemeError>
    }

    public var shippedDirectory: String?
    public var userDirectory: String

    /// Finds the shipped themes beside the executable (a build folder in the
    /// source tree, or an install prefix's share/payops/themes), or from
    /// `PAYOPS_THEMES`; the user's folder from `XDG_CONFIG_HOME` or `~/.config`.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> ThemeCatalog {
        var candidates: [String] = []
        if let dir = environment["PAYOPS_THEMES"] { candidates.append(dir) }
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let real = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")).map(URL.init(fileURLWithPath:)) ?? exe
        for base in [real, exe] {
            var dir = base.deletingLastPathComponent()
            for _ in 0..<5 {
                candidates.append(dir.appendingPathComponent("Themes").path)
                candidates.append(dir.appendingPathComponent("share/payops/themes").path)
                dir = dir.deletingLastPathComponent()
            }
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/Themes")
        let shipped = candidates.first { FileManager.default.fileExists(atPath: $0 + "/default.toml") }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return ThemeCatalog(shippedDirectory: shipped, userDirectory: config + "/payops/themes")
    }

    public init(shippedDirectory: String?, userDirectory: String) {
        self.shippedDirectory = shippedDirectory
        self.userDirectory = userDirectory
    }

    /// Every theme file, shipped first, `default` first among them; a user
    /// file of the same name replaces the shipped entry.
    public func entries() -> [Entry] {
        var out: [Entry] = []
        if shippedDirectory == nil {
            for f in ShippedThemes.files {
                let path = "built-in:\(f.name).toml"
                let result: Result<Theme, ThemeError>
                do { result = .success(try ThemeParser.parse(f.text, file: path)) } catch { result = .failure(error) }
                out.append(Entry(name: f.name, origin: "built-in", path: path, result: result))
            }
        }
        for (dir, origin) in [(shippedDirectory, "shipped"), (userDirectory, "user")] {
            guard let dir, let files = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            let sorted = files.filter { $0.hasSuffix(".toml") }.sorted { a, b in
                a == "default.toml" ? true : b == "default.toml" ? false : a < b
            }
            for f in sorted {
                let path = dir + "/" + f
                let name = String(f.dropLast(5))
                let entry = Entry(name: name, origin: origin, path: path, result: ThemeCatalog.load(path: path))
                if let i = out.firstIndex(where: { $0.name == name }) { out[i] = entry } else { out.append(entry) }
            }
        }
        return out
    }

    /// A theme file is small: anything larger is not one.
    static let maxBytes = 256 * 1_024

    /// Reads one theme file.
    public static func load(path: String) -> Result<Theme, ThemeError> {
        let text: String
        do { text = try InputText.read(path: path, limitBytes: maxBytes) } catch {
            return .failure(ThemeError(file: path, line: 0, column: 0, message: "cannot read the theme: \(error)"))
        }
        do { return .success(try ThemeParser.parse(text, file: path)) } catch { return .failure(error) }
    }

    /// What `--theme` asks for: a path (has a `/` or ends in `.toml`) or a name.
    public func resolve(_ nameOrPath: String) -> Result<Theme, ThemeError> {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") { return ThemeCatalog.load(path: nameOrPath) }
        if nameOrPath == Theme.monochromeBuiltIn.name, !entries().contains(where: { $0.name == nameOrPath }) {
            return .success(.monochromeBuiltIn)
        }
        guard let e = entries().first(where: { $0.name == nameOrPath }) else {
            let names = entries().map(\.name).joined(separator: ", ")
            return .failure(ThemeError(file: "", line: 0, column: 0,
                                       message: "no theme named '\(InputText.shown(nameOrPath))'; themes are \(names.isEmpty ? "monochrome" : names)"))
        }
        return e.result
    }

    /// The theme to start with when none is asked for: the user's or the
    /// shipped `default`. A broken user default falls back to the shipped
    /// one, with the warning returned for the event log.
    public func startupTheme() -> (theme: Theme, warning: String?) {
        let userDefault = userDirectory + "/default.toml"
        var warning: String?
        if FileManager.default.fileExists(atPath: userDefault) {
            switch ThemeCatalog.load(path: userDefault) {
            case .success(let t): return (t, nil)
            case .failure(let e): warning = "theme ignored: \(e); using the shipped default"
            }
        }
        if let dir = shippedDirectory, case .success(let t) = ThemeCatalog.load(path: dir + "/default.toml") {
            return (t, warning)
        }
        if shippedDirectory == nil, let f = ShippedThemes.files.first(where: { $0.name == "default" }),
           let t = try? ThemeParser.parse(f.text, file: "built-in:default.toml") {
            return (t, warning)
        }
        return (.monochromeBuiltIn, (warning.map { $0 + "; " } ?? "") + "no shipped themes found: using monochrome")
    }
}
