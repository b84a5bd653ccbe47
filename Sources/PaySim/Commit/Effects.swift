/// What a state-machine transition asks its owner to do, in order. No
/// transition of the commit machines has more than five, so they live
/// inline: a transition allocates nothing and holds no reference.
struct Effects<Effect>: Sequence {
    static var capacity: Int { 5 }
    private var e0: Effect?
    private var e1: Effect?
    private var e2: Effect?
    private var e3: Effect?
    private var e4: Effect?
    private(set) var count = 0

    init() {}

    // Fixed arities rather than a variadic init, which would build an array.
    init(_ a: Effect) {
        e0 = a
        count = 1
    }

    init(_ a: Effect, _ b: Effect) {
        e0 = a
        e1 = b
        count = 2
    }

    init(_ a: Effect, _ b: Effect, _ c: Effect) {
        e0 = a
        e1 = b
        e2 = c
        count = 3
    }

    init(_ a: Effect, _ b: Effect, _ c: Effect, _ d: Effect) {
        e0 = a
        e1 = b
        e2 = c
        e3 = d
        count = 4
    }

    mutating func append(_ e: Effect) {
        switch count {
        case 0: e0 = e
        case 1: e1 = e
        case 2: e2 = e
        case 3: e3 = e
        case 4: e4 = e
        default: preconditionFailure("a transition with more than \(Effects.capacity) effects")
        }
        count += 1
    }

    static func += (lhs: inout Effects, rhs: Effects) {
        for i in 0..<rhs.count { lhs.append(rhs[i]) }
    }

    @inline(__always) subscript(i: Int) -> Effect {
        switch i {
        case 0: e0!
        case 1: e1!
        case 2: e2!
        case 3: e3!
        default: e4!
        }
    }

    struct Iterator: IteratorProtocol {
        let effects: Effects
        var i = 0
        mutating func next() -> Effect? {
            guard i < effects.count else { return nil }
            defer { i += 1 }
            return effects[i]
        }
    }

    func makeIterator() -> Iterator { Iterator(effects: self) }

    var isEmpty: Bool { count == 0 }
}
