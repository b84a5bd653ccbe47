import Foundation

/// Files shipped in a source folder (`Themes/`, `Scenarios/`) that are also
/// compiled into the binary as a generated Swift table. With
/// PAYOPS_UPDATE_SNAPSHOTS=1 the table is rewritten from the folder; either
/// way the files are returned, in `order`, for the caller to compare with
/// what was compiled in.
public struct CompiledInCopies {
    public var names: [String]
    public var texts: [String]

    /// - Parameters:
    ///   - header: the generated file's opening comment lines.
    ///   - enumName, doc: the table's enum and the doc line of its `files`.
    public init(folder: String, suffix: String, order: (String, String) -> Bool,
                source: String, header: [String], enumName: String, doc: String) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(suffix) }.sorted(by: order)
        texts = try files.map { try String(contentsOfFile: folder + "/" + $0, encoding: .utf8).trimmingCharacters(in: .newlines) }
        names = files.map { String($0.dropLast(suffix.count)) }
        guard ProcessInfo.processInfo.environment["PAYOPS_UPDATE_SNAPSHOTS"] == "1" else { return }
        var out = header.map { "// " + $0 + "\n" }.joined() + "\nenum \(enumName) {\n    /// \(doc)\n    static let files: [(name: String, text: String)] = [\n"
        for (name, text) in zip(names, texts) {
            out += "        (\"\(name)\", ##\"\"\"\n" + text + "\n\"\"\"##),\n"
        }
        out += "    ]\n}\n"
        try out.write(toFile: source, atomically: true, encoding: .utf8)
    }
}
