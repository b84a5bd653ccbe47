import Foundation
import Testing
import TestSupport
@testable import Console

@Suite struct ThemeTests {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Themes").path

    /// The copies compiled into the binary are the files in `Themes/`:
    /// a drift fails here, and PAYOPS_UPDATE_SNAPSHOTS=1 rewrites them.
    @Test func theCompiledInThemesAreTheShippedFiles() throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/Console/Theme/ShippedThemes.swift").path
        let shipped = try CompiledInCopies(
            folder: ThemeTests.shipped, suffix: ".toml",
            order: { a, b in a == "default.toml" ? true : b == "default.toml" ? false : a < b },
            source: source,
            header: ["The shipped themes, compiled in so a copied binary has them.",
                     "Generated from Themes/*.toml, which stay the source: ShippedThemesTests",
                     "fails when they differ, and rewrites this file with PAYOPS_UPDATE_SNAPSHOTS=1."],
            enumName: "ShippedThemes", doc: "File name (without `.toml`) and contents, `default` first.")
        #expect(ShippedThemes.files.map(\.name) == shipped.names)
        for (embedded, text) in zip(ShippedThemes.files, shipped.texts) {
            #expect(embedded.text == text, "\(embedded.name): Themes/ and the binary differ; run the tests with PAYOPS_UPDATE_SNAPSHOTS=1")
        }
    }

    /// A binary copied away from its source tree has no `Themes/` beside it: it uses its own copies.
    @Test func withoutTheFolderTheBuiltInThemesAreUsed() throws {
        let catalog = ThemeCatalog(shippedDirectory: nil, userDirectory: "/nonexistent")
        let entries = catalog.entries()
        #expect(entries.map(\.name) == ["default", "colorblind", "high-contrast", "light", "monochrome"])
        #expect(entries.allSatisfy { $0.origin == "built-in" })
        for e in entries { _ = try e.result.get() }
        let (theme, warning) = catalog.startupTheme()
        #expect(theme.name == "default" && warning == nil)
        #expect(try catalog.resolve("light").get().name == "light")
    }

    @Test func everyShippedThemeLoadsWithEveryRole() throws {
        let catalog = ThemeCatalog(shippedDirectory: ThemeTests.shipped, userDirectory: "/nonexistent")
        let entries = catalog.entries()
        #expect(entries.first?.name == "default")
        #expect(Set(entries.map(\.name)).isSuperset(of: ["default", "light", "high-contrast", "colorblind", "monochrome"]))
        for e in entries {
            let t = try e.result.get()
            #expect(t.name == e.name, "\(e.path) names itself '\(t.name)'")
            if t.monochrome { continue }
            for (key, role) in ThemeRole.named { #expect(t.color(role) != nil, "\(e.name) lacks \(key)") }
            #expect(t.graph.count >= 2)
        }
    }

    @Test(arguments: [
        ("name = \"x\"\n[colors]\ntext = \"#12345\"\n", 3, 8, "'#12345' is not a colour"),
        ("name = \"x\"\n[colors]\n  txet = \"#123456\"\n", 3, 3, "unknown colour role 'txet'"),
        ("name = \"x\"\n[colours]\n", 2, 2, "unknown table [colours]"),
        ("name = \"x\nmore", 1, 8, "unterminated string"),
        ("name = \"x\"\nname = \"y\"\n", 2, 1, "'name' is set twice"),
        ("name = x\n", 1, 8, "expected a quoted string"),
        ("name = \"x\"\n[colors]\ngraph = [\"#000000\"]\n", 3, 9, "graph needs at least 2 colours"),
        ("name = \"x\"\n[colors]\ngraph = [\"#000000\", \"#zz0000\"]\n", 3, 21, "'#zz0000' is not a colour"),
        ("bogus = true\n", 1, 1, "unknown key 'bogus'"),
        ("name = \"x\" extra\n", 1, 12, "unexpected 'e'"),
        ("description = \"no name\"\n", 1, 1, "missing name"),
        ("name = \"x\"\n[colors]\ntext = \"#ffffff\"\n", 2, 1, "[colors] is missing dim"),
    ])
    func brokenThemeReportsItsPosition(text: String, line: Int, column: Int, message: String) {
        do {
            _ = try ThemeParser.parse(text, file: "t.toml")
            Issue.record("parsed")
        } catch {
            #expect(error.line == line && error.column == column, "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.description.hasPrefix("t.toml:\(line):\(column): "))
        }
    }

    @Test func userThemesAddAndOverrideAndABrokenUserDefaultFallsBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("payops-themes-\(getpid())-\(Int.random(in: 0..<1_000_000))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let light = try String(contentsOfFile: ThemeTests.shipped + "/light.toml", encoding: .utf8)
        try light.replacingOccurrences(of: "name = \"light\"", with: "name = \"mine\"").write(to: dir.appendingPathComponent("mine.toml"), atomically: true, encoding: .utf8)
        try light.replacingOccurrences(of: "description = \"light background\"", with: "description = \"my light\"")
            .write(to: dir.appendingPathComponent("light.toml"), atomically: true, encoding: .utf8)
        try "name = \"default\"\n[colors]\ntext = \"#nothex\"\n".write(to: dir.appendingPathComponent("default.toml"), atomically: true, encoding: .utf8)
        let catalog = ThemeCatalog(shippedDirectory: ThemeTests.shipped, userDirectory: dir.path)
        let entries = catalog.entries()
        #expect(entries.first { $0.name == "mine" }?.origin == "user")
        let overridden = try #require(entries.first { $0.name == "light" })
        #expect(overridden.origin == "user")
        #expect(try overridden.result.get().description == "my light")
        #expect(entries.filter { $0.name == "light" }.count == 1)
        let start = catalog.startupTheme()
        #expect(start.theme.source == ThemeTests.shipped + "/default.toml")
        let warning = try #require(start.warning)
        #expect(warning.contains(dir.path + "/default.toml:3:8:"))
        #expect(warning.contains("shipped default"))
    }

    @Test func resolveByNameOrPath() {
        let catalog = ThemeCatalog(shippedDirectory: ThemeTests.shipped, userDirectory: "/nonexistent")
        #expect((try? catalog.resolve("colorblind").get())?.name == "colorblind")
        #expect((try? catalog.resolve(ThemeTests.shipped + "/light.toml").get())?.name == "light")
        guard case .failure(let e) = catalog.resolve("neon") else { Issue.record("resolved"); return }
        #expect(e.message.contains("no theme named 'neon'"))
        #expect(e.message.contains("default"))
        guard case .failure(let f) = catalog.resolve("/nonexistent/x.toml") else { Issue.record("resolved"); return }
        #expect(f.message == "cannot read the theme: no such file")
        #expect(f.description == "/nonexistent/x.toml: cannot read the theme: no such file", "a file-level error has no line and column")
    }

    @Test func eightColourFallbackKeepsStateColoursApart() throws {
        let t = try ThemeCatalog.load(path: ThemeTests.shipped + "/default.toml").get()
        func n(_ role: ThemeRole) -> Int? { ColorMapping.number(for: t.color(role)!, depth: .eight) }
        #expect(n(.critical) == 1)  // red
        #expect(n(.ok) == 2)        // green
        #expect(n(.warn) == 3)      // yellow
        #expect(n(.text) == 7)      // white
        #expect(n(.dim) == 7, "a mid grey stays readable, not black")
        #expect(Set([n(.ok), n(.warn), n(.critical)]).count == 3)
    }

    @Test func colourDepthsMapAsDocumented() {
        let red = RGB(255, 0, 0)
        #expect(ColorMapping.number(for: red, depth: .direct) == 0xff0000)
        #expect(ColorMapping.number(for: red, depth: .xterm256) == 196)
        #expect(ColorMapping.number(for: RGB(0, 0, 0), depth: .xterm256) == 16)
        #expect(ColorMapping.number(for: RGB(128, 128, 128), depth: .xterm256) == 244)
        #expect(ColorMapping.number(for: RGB(255, 255, 255), depth: .sixteen) == 15)
        #expect(ColorMapping.number(for: red, depth: .none) == nil)
        #expect(ColorDepth(colors: 256, directColor: false) == .xterm256)
        #expect(ColorDepth(colors: 1 << 24, directColor: true) == .direct)
        #expect(ColorDepth(colors: 8, directColor: false) == .eight)
        #expect(ColorDepth(colors: 0, directColor: false) == .none)
        #expect(RGB(hex: "#2B83ba") == RGB(0x2b, 0x83, 0xba))
        #expect(RGB(hex: "2b83ba") == nil)
    }

    @Test func monochromeHasNoColours() {
        let t = Theme.monochromeBuiltIn
        #expect(t.monochrome)
        #expect(t.color(.critical) == nil && t.color(.graph(3)) == nil)
    }
}
