/// A compact positional binary form of `Codable` values, for what a
/// session publishes many times a second: keys are not written (fields
/// come in declaration order, as synthesized conformances encode and
/// decode them), integers are zigzag varints, a whole-numbered `Double`
/// is a varint too, arrays carry their count. Both sides must be built
/// from the same types, which the session's wire version guards.
///
/// Not supported, by design: enums with associated values and dictionaries
/// (their synthesized forms need keys); such types encode by hand.
public enum BinaryCodec {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let writer = Writer()
        try value.encode(to: BinaryEncoderImpl(writer))
        return writer.bytes
    }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let reader = Reader(bytes)
        let v = try T(from: BinaryDecoderImpl(reader))
        guard reader.offset == bytes.count else { throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(bytes.count - reader.offset) bytes left over")) }
        return v
    }

    final class Writer {
        var bytes: [UInt8] = []
        init() { bytes.reserveCapacity(4_096) }

        @inline(__always) func varint(_ v: UInt64) {
            var v = v
            while v >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(v))
        }
        @inline(__always) func int(_ v: Int64) { varint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }
        func double(_ v: Double) {
            // Counts and rates are mostly whole: those take a byte or three.
            if v == v.rounded(), abs(v) < 9.0e15, !(v == 0 && v.sign == .minus) {
                bytes.append(0)
                int(Int64(v))
            } else {
                bytes.append(1)
                var bits = v.bitPattern
                for _ in 0..<8 {
                    bytes.append(UInt8(truncatingIfNeeded: bits))
                    bits >>= 8
                }
            }
        }
        func string(_ s: String) {
            var s = s
            s.withUTF8 { u in
                varint(UInt64(u.count))
                bytes.append(contentsOf: u)
            }
        }
        /// A fixed four-byte count at `offset`, raised as an array's elements arrive.
        func reserveCount() -> Int {
            bytes.append(contentsOf: [0, 0, 0, 0])
            return bytes.count - 4
        }
        func bumpCount(at offset: Int) {
            setCount(Int(UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24) + 1, at: offset)
        }
        func setCount(_ count: Int, at offset: Int) {
            let n = UInt32(count)
            bytes[offset] = UInt8(truncatingIfNeeded: n)
            bytes[offset + 1] = UInt8(truncatingIfNeeded: n >> 8)
            bytes[offset + 2] = UInt8(truncatingIfNeeded: n >> 16)
            bytes[offset + 3] = UInt8(truncatingIfNeeded: n >> 24)
        }
    }

    final class Reader {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ what: String) -> DecodingError {
            .dataCorrupted(.init(codingPath: [], debugDescription: "\(what) at byte \(offset) of \(bytes.count)"))
        }
        @inline(__always) func byte() throws -> UInt8 {
            guard offset < bytes.count else { throw fail("truncated") }
            defer { offset += 1 }
            return bytes[offset]
        }
        func varint() throws -> UInt64 {
            var v: UInt64 = 0, shift: UInt64 = 0
            while true {
                let b = try byte()
                guard shift < 64 else { throw fail("overlong integer") }
                v |= UInt64(b & 0x7f) << shift
                if b < 0x80 { return v }
                shift += 7
            }
        }
        func int() throws -> Int64 {
            let u = try varint()
            return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
        }
        func double() throws -> Double {
            switch try byte() {
            case 0: return Double(try int())
            case 1:
                guard offset + 8 <= bytes.count else { throw fail("truncated number") }
                var bits: UInt64 = 0
                for i in 0..<8 { bits |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
                offset += 8
                return Double(bitPattern: bits)
            default: throw fail("bad number tag")
            }
        }
        func string() throws -> String {
            let n = Int(try varint())
            guard n >= 0, offset + n <= bytes.count else { throw fail("truncated text") }
            defer { offset += n }
            return String(decoding: bytes[offset..<offset + n], as: UTF8.self)
        }
        func count() throws -> Int {
            guard offset + 4 <= bytes.count else { throw fail("truncated count") }
            defer { offset += 4 }
            return Int(UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24)
        }
    }
}

// MARK: - Encoding

private struct BinaryEncoderImpl: Encoder {
    let w: BinaryCodec.Writer
    init(_ w: BinaryCodec.Writer) { self.w = w }
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { KeyedEncodingContainer(KeyedEnc<Key>(w: w)) }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { UnkeyedEnc(w: w, countAt: w.reserveCount()) }
    func singleValueContainer() -> any SingleValueEncodingContainer { SingleEnc(w: w) }
}

/// Writes one value of any supported kind.
private struct Primitive {
    let w: BinaryCodec.Writer
    func nilMark(_ present: Bool) { w.bytes.append(present ? 1 : 0) }
    func bool(_ v: Bool) { w.bytes.append(v ? 1 : 0) }
    func value<T: Encodable>(_ v: T) throws {
        switch v {
        // First: a cast to Double would see through an optional.
        case let o as any EncodableOptional:
            try o.encodeMarked(self)
        case let x as Double: w.double(x)
        case let x as Int: w.int(Int64(x))
        case let x as Int64: w.int(x)
        case let x as String: w.string(x)
        case let x as Bool: bool(x)
        case let x as [Double]:
            w.setCount(x.count, at: w.reserveCount())
            for d in x { w.double(d) }
        default: try v.encode(to: BinaryEncoderImpl(w))
        }
    }
}

private struct KeyedEnc<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let w: BinaryCodec.Writer
    var codingPath: [any CodingKey] { [] }
    var p: Primitive { Primitive(w: w) }
    mutating func encodeNil(forKey key: Key) throws { p.nilMark(false) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { p.bool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { w.string(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { w.double(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { w.double(Double(value)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { w.int(Int64(value)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { w.int(Int64(value)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { w.int(Int64(value)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { w.int(Int64(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { w.int(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { w.varint(UInt64(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { w.varint(UInt64(value)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { w.varint(UInt64(value)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { w.varint(UInt64(value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { w.varint(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try p.value(value) }
    // Absent optionals are written as a 0 mark (the defaults would write nothing).
    private mutating func some<T: Encodable>(_ v: T?) throws {
        p.nilMark(v != nil)
        if let v { try p.value(v) }
    }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try some(value) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try some(value) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try some(value) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try some(value.map(Double.init)) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try some(value) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try some(value.map(Int64.init)) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try some(value.map(Int64.init)) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try some(value.map(Int64.init)) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try some(value) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try some(value.map { Int64(bitPattern: UInt64($0)) }) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try some(value.map(Int64.init)) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try some(value.map(Int64.init)) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try some(value.map(Int64.init)) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try some(value.map { Int64(bitPattern: $0) }) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try some(value) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedEnc<NestedKey>(w: w))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { UnkeyedEnc(w: w, countAt: w.reserveCount()) }
    mutating func superEncoder() -> any Encoder { BinaryEncoderImpl(w) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { BinaryEncoderImpl(w) }
}

private struct UnkeyedEnc: UnkeyedEncodingContainer {
    let w: BinaryCodec.Writer
    let countAt: Int
    var count = 0
    var codingPath: [any CodingKey] { [] }
    mutating func bump() { count += 1; w.bumpCount(at: countAt) }
    mutating func encodeNil() throws { bump(); w.bytes.append(0) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        bump()
        try Primitive(w: w).value(value)
    }
    mutating func encode(_ value: Bool) throws { bump(); w.bytes.append(value ? 1 : 0) }
    mutating func encode(_ value: String) throws { bump(); w.string(value) }
    mutating func encode(_ value: Double) throws { bump(); w.double(value) }
    mutating func encode(_ value: Int) throws { bump(); w.int(Int64(value)) }
    mutating func encode(_ value: Int64) throws { bump(); w.int(value) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        bump()
        return KeyedEncodingContainer(KeyedEnc<NestedKey>(w: w))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        bump()
        return UnkeyedEnc(w: w, countAt: w.reserveCount())
    }
    mutating func superEncoder() -> any Encoder { BinaryEncoderImpl(w) }
}

private struct SingleEnc: SingleValueEncodingContainer {
    let w: BinaryCodec.Writer
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil() throws { w.bytes.append(0) }
    mutating func encode(_ value: Bool) throws { w.bytes.append(value ? 1 : 0) }
    mutating func encode(_ value: String) throws { w.string(value) }
    mutating func encode(_ value: Double) throws { w.double(value) }
    mutating func encode(_ value: Float) throws { w.double(Double(value)) }
    mutating func encode(_ value: Int) throws { w.int(Int64(value)) }
    mutating func encode(_ value: Int8) throws { w.int(Int64(value)) }
    mutating func encode(_ value: Int16) throws { w.int(Int64(value)) }
    mutating func encode(_ value: Int32) throws { w.int(Int64(value)) }
    mutating func encode(_ value: Int64) throws { w.int(value) }
    mutating func encode(_ value: UInt) throws { w.varint(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { w.varint(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { w.varint(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { w.varint(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { w.varint(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try Primitive(w: w).value(value) }
}

/// An optional anywhere (a list element, a generic field) is a presence
/// mark and then its value, as keyed optionals are.
private protocol EncodableOptional { func encodeMarked(_ p: Primitive) throws }
extension Optional: EncodableOptional where Wrapped: Encodable {
    fileprivate func encodeMarked(_ p: Primitive) throws {
        p.nilMark(self != nil)
        if let v = self { try p.value(v) }
    }
}
private protocol DecodableOptional { static func decodeMarked(_ p: ReadPrimitive) throws -> Any }
extension Optional: DecodableOptional where Wrapped: Decodable {
    fileprivate static func decodeMarked(_ p: ReadPrimitive) throws -> Any {
        try p.present() ? Optional.some(try p.value(Wrapped.self)) as Any : Optional<Wrapped>.none as Any
    }
}

// MARK: - Decoding

private struct BinaryDecoderImpl: Decoder {
    let r: BinaryCodec.Reader
    init(_ r: BinaryCodec.Reader) { self.r = r }
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { KeyedDecodingContainer(KeyedDec<Key>(r: r)) }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { try UnkeyedDec(r: r, count: try r.count()) }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleDec(r: r) }
}

private struct ReadPrimitive {
    let r: BinaryCodec.Reader
    func present() throws -> Bool {
        switch try r.byte() {
        case 0: return false
        case 1: return true
        default: throw r.fail("bad presence mark")
        }
    }
    func value<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == Double.self { return try r.double() as! T }
        if T.self == Int.self { return Int(try r.int()) as! T }
        if T.self == Int64.self { return try r.int() as! T }
        if T.self == String.self { return try r.string() as! T }
        if T.self == Bool.self { return try present() as! T }
        if let o = T.self as? any DecodableOptional.Type { return try o.decodeMarked(self) as! T }
        if T.self == [Double].self {
            let n = try r.count()
            guard n <= r.bytes.count - r.offset else { throw r.fail("bad count") }
            var a = [Double]()
            a.reserveCapacity(n)
            for _ in 0..<n { a.append(try r.double()) }
            return a as! T
        }
        return try T(from: BinaryDecoderImpl(r))
    }
    func int<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let v = try r.int()
        guard let x = T(exactly: v) else { throw r.fail("\(v) does not fit \(T.self)") }
        return x
    }
    func uint<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let v = try r.varint()
        guard let x = T(exactly: v) else { throw r.fail("\(v) does not fit \(T.self)") }
        return x
    }
}

private struct KeyedDec<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let r: BinaryCodec.Reader
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }
    var p: ReadPrimitive { ReadPrimitive(r: r) }
    func contains(_ key: Key) -> Bool { true }
    func decodeNil(forKey key: Key) throws -> Bool { !(try p.present()) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try p.present() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try r.string() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try r.double() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try r.double()) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try p.int(Int.self) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try p.int(Int8.self) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try p.int(Int16.self) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try p.int(Int32.self) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try r.int() }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try p.uint(UInt.self) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try p.uint(UInt8.self) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try p.uint(UInt16.self) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try p.uint(UInt32.self) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try r.varint() }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try p.value(T.self) }
    private func some<T: Decodable>(_ type: T.Type) throws -> T? { try p.present() ? try p.value(T.self) : nil }
    private func someInt<T: FixedWidthInteger>(_ type: T.Type) throws -> T? {
        guard try p.present() else { return nil }
        let v = try r.int()
        guard let x = T(exactly: v) ?? (T.isSigned ? nil : T(truncatingIfNeeded: UInt64(bitPattern: v))) else { throw r.fail("\(v) does not fit \(T.self)") }
        return x
    }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try some(Bool.self) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try some(String.self) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try some(Double.self) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try some(Double.self).map(Float.init) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try someInt(Int.self) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try someInt(Int8.self) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try someInt(Int16.self) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try someInt(Int32.self) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try someInt(Int64.self) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try someInt(UInt.self) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try someInt(UInt8.self) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try someInt(UInt16.self) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try someInt(UInt32.self) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try someInt(UInt64.self) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try some(T.self) }
    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(KeyedDec<NestedKey>(r: r))
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try UnkeyedDec(r: r, count: try r.count()) }
    func superDecoder() throws -> any Decoder { BinaryDecoderImpl(r) }
    func superDecoder(forKey key: Key) throws -> any Decoder { BinaryDecoderImpl(r) }
}

private struct UnkeyedDec: UnkeyedDecodingContainer {
    let r: BinaryCodec.Reader
    var count: Int?
    var currentIndex = 0
    var codingPath: [any CodingKey] { [] }
    init(r: BinaryCodec.Reader, count: Int) throws {
        // Every element takes at least a byte: a count beyond what is left is corrupt.
        guard count <= r.bytes.count - r.offset else { throw r.fail("bad count \(count)") }
        self.r = r
        self.count = count
    }
    var isAtEnd: Bool { currentIndex >= count! }
    mutating func next() throws {
        guard !isAtEnd else { throw r.fail("past the end of a list") }
        currentIndex += 1
    }
    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { throw r.fail("past the end of a list") }
        // Only an optional element asks: a 0 mark is nil, 1 precedes a value.
        let present = try ReadPrimitive(r: r).present()
        if !present { currentIndex += 1 }
        return !present
    }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try next()
        return try ReadPrimitive(r: r).value(T.self)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next()
        return KeyedDecodingContainer(KeyedDec<NestedKey>(r: r))
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next()
        return try UnkeyedDec(r: r, count: try r.count())
    }
    mutating func superDecoder() throws -> any Decoder { BinaryDecoderImpl(r) }
}

private struct SingleDec: SingleValueDecodingContainer {
    let r: BinaryCodec.Reader
    var codingPath: [any CodingKey] { [] }
    func decodeNil() -> Bool { false }
    func decode(_ type: Bool.Type) throws -> Bool { try ReadPrimitive(r: r).present() }
    func decode(_ type: String.Type) throws -> String { try r.string() }
    func decode(_ type: Double.Type) throws -> Double { try r.double() }
    func decode(_ type: Float.Type) throws -> Float { Float(try r.double()) }
    func decode(_ type: Int.Type) throws -> Int { try ReadPrimitive(r: r).int(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try ReadPrimitive(r: r).int(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try ReadPrimitive(r: r).int(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try ReadPrimitive(r: r).int(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try r.int() }
    func decode(_ type: UInt.Type) throws -> UInt { try ReadPrimitive(r: r).uint(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try ReadPrimitive(r: r).uint(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try ReadPrimitive(r: r).uint(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try ReadPrimitive(r: r).uint(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try r.varint() }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try ReadPrimitive(r: r).value(T.self) }
}
