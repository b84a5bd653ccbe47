/// A one-line text field with a cursor, bounded in length.
struct LineEditor: Equatable {
    private(set) var characters: [Character] = []
    private(set) var cursor = 0
    static let maxLength = 200

    var text: String { String(characters) }

    mutating func set(_ s: String) {
        characters = Array(s.prefix(LineEditor.maxLength))
        cursor = characters.count
    }

    mutating func insert(_ c: Character) {
        guard characters.count < LineEditor.maxLength else { return }
        characters.insert(c, at: cursor)
        cursor += 1
    }

    mutating func backspace() {
        guard cursor > 0 else { return }
        cursor -= 1
        characters.remove(at: cursor)
    }

    mutating func delete() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    mutating func left() { cursor = max(0, cursor - 1) }
    mutating func right() { cursor = min(characters.count, cursor + 1) }
    mutating func home() { cursor = 0 }
    mutating func end() { cursor = characters.count }
}
