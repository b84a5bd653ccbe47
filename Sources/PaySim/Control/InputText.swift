#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Text a person gives payops (scenario and theme files, command lines) and
/// what payops echoes back of it.
public enum InputText {
    /// Why a file could not be read: one sentence, without the path.
    public struct ReadError: Error, Equatable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Reads a small text file whole. Only regular files are read: a FIFO,
    /// a device or a terminal (`/dev/stdin`) could block or never end, so
    /// they are refused by name, as are directories, files over `limitBytes`
    /// and text that is not UTF-8.
    public static func read(path: String, limitBytes: Int) throws(ReadError) -> String {
        guard !path.isEmpty else { throw ReadError(message: "no file name given") }
        var st = stat()
        guard stat(path, &st) == 0 else { throw ReadError(message: explain(errno)) }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw ReadError(message: "is a directory, not a file")
        case S_IFIFO: throw ReadError(message: "is a pipe (FIFO), not a regular file")
        case S_IFCHR: throw ReadError(message: "is a character device (a terminal or /dev/…), not a regular file")
        case S_IFBLK: throw ReadError(message: "is a block device, not a regular file")
        case S_IFSOCK: throw ReadError(message: "is a socket, not a regular file")
        default: throw ReadError(message: "is not a regular file")
        }
        guard Int(st.st_size) <= limitBytes else {
            throw ReadError(message: "is \(Money.grouped(Int64(st.st_size))) bytes; at most \(Money.grouped(Int64(limitBytes))) are read")
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw ReadError(message: explain(errno)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReadError(message: explain(errno))
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            // It grew while being read.
            guard bytes.count <= limitBytes else { throw ReadError(message: "is more than \(Money.grouped(Int64(limitBytes))) bytes") }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ReadError(message: "is not UTF-8 text") }
        return text
    }

    static func explain(_ code: Int32) -> String {
        switch code {
        case ENOENT: "no such file"
        case EACCES, EPERM: "permission denied"
        case ELOOP: "a loop of symbolic links"
        case ENAMETOOLONG: "the name is too long"
        case ENOTDIR: "a part of the path is not a directory"
        case EISDIR: "is a directory, not a file"
        default: String(cString: strerror(code))
        }
    }

    /// Input as it may be echoed to a terminal or a log: control characters
    /// (which could move the cursor, retitle the window or ring the bell)
    /// shown as `\u{1B}`-style escapes, and anything longer than `limit`
    /// characters cut with an ellipsis.
    public static func shown(_ s: some StringProtocol, limit: Int = 80) -> String {
        var out = ""
        var count = 0
        for ch in s {
            if count >= limit {
                out += "…"
                break
            }
            if ch.unicodeScalars.contains(where: isControl) {
                out += ch.unicodeScalars.map { isControl($0) ? "\\u{\(String($0.value, radix: 16, uppercase: true))}" : String($0) }.joined()
            } else {
                out.append(ch)
            }
            count += 1
        }
        return out
    }

    /// C0 and C1 controls and DEL; tabs too, which would break the columns of a message.
    static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (u.value >= 0x7F && u.value < 0xA0)
    }
}
