/// How many colours the terminal offers, and how a theme's `#rrggbb` is
/// turned into a colour number the terminal understands.
public enum ColorDepth: Sendable, Equatable {
    /// `NO_COLOR`, a monochrome theme, or a terminal without colour.
    case none
    case eight
    case sixteen
    case xterm256
    /// Direct colour (ncurses' `RGB` terminals): the number is 0xRRGGBB.
    case direct

    public init(colors: Int, directColor: Bool) {
        if directColor && colors >= 1 << 24 { self = .direct }
        else if colors >= 256 { self = .xterm256 }
        else if colors >= 16 { self = .sixteen }
        else if colors >= 8 { self = .eight }
        else { self = .none }
    }
}

public enum ColorMapping {
    /// xterm's default 16 colours.
    static let ansi16: [RGB] = [
        RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0), RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
        RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0), RGB(255, 255, 0), RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
    ]
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// The terminal colour number for `c` at `depth`; nil at `.none`.
    public static func number(for c: RGB, depth: ColorDepth) -> Int? {
        switch depth {
        case .none: return nil
        case .direct: return Int(c.r) << 16 | Int(c.g) << 8 | Int(c.b)
        case .xterm256: return nearest256(c)
        case .sixteen: return nearest(c, in: ansi16)
        case .eight: return nearest8(c)
        }
    }

    static func distance(_ a: RGB, _ b: RGB) -> Int {
        // Weighted for the eye: green matters most, blue least.
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return 3 * dr * dr + 4 * dg * dg + 2 * db * db
    }

    static func nearest(_ c: RGB, in palette: [RGB]) -> Int {
        var best = 0
        for i in palette.indices where distance(c, palette[i]) < distance(c, palette[best]) { best = i }
        return best
    }

    /// Eight colours: the nearest by hue family, so a dim grey does not turn
    /// black and a light theme's text does not vanish.
    static func nearest8(_ c: RGB) -> Int {
        // Greys (little saturation) go to white or black by brightness,
        // never to a hue they merely happen to be close to.
        let hi = max(c.r, c.g, c.b), lo = min(c.r, c.g, c.b)
        if hi - lo < 40 { return Int(c.r) + Int(c.g) + Int(c.b) > 3 * 64 ? 7 : 0 }
        return nearest(c, in: Array(ansi16[0..<8]))
    }

    /// The nearest of xterm's 6×6×6 cube (16–231) or grey ramp (232–255).
    static func nearest256(_ c: RGB) -> Int {
        func cubeIndex(_ v: UInt8) -> Int {
            var best = 0
            for i in cubeLevels.indices where abs(cubeLevels[i] - Int(v)) < abs(cubeLevels[best] - Int(v)) { best = i }
            return best
        }
        let ri = cubeIndex(c.r), gi = cubeIndex(c.g), bi = cubeIndex(c.b)
        let cube = RGB(UInt8(cubeLevels[ri]), UInt8(cubeLevels[gi]), UInt8(cubeLevels[bi]))
        let grayLevel = min(23, max(0, (Int(c.r) + Int(c.g) + Int(c.b)) / 3 - 3) / 10)
        let g = UInt8(8 + 10 * grayLevel)
        let gray = RGB(g, g, g)
        return distance(c, gray) < distance(c, cube) ? 232 + grayLevel : 16 + 36 * ri + 6 * gi + bi
    }
}
