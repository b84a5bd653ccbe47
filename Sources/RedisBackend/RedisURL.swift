/// Where a Redis server is and how to log in: `redis://[user[:password]@]host:port[/db]`.
/// The password may instead come from `PAYOPS_REDIS_PASSWORD`, which keeps
/// it out of `ps`. It is never printed: `description` shows `***`.
public struct RedisURL: Equatable, Sendable, CustomStringConvertible {
    public var user: String?
    public var password: String?
    public var host: String
    public var port: Int
    public var db: Int

    /// Why a URL was refused; `offset` is the 0-based character of the problem.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String {
            "\(reason) at character \(offset + 1); expected redis://[user[:password]@]host:port[/db], like redis://127.0.0.1:6379/0"
        }
    }

    public init(user: String? = nil, password: String? = nil, host: String, port: Int, db: Int = 0) {
        self.user = user; self.password = password; self.host = host; self.port = port; self.db = db
    }

    /// Parses `text`; `environment["PAYOPS_REDIS_PASSWORD"]` fills a missing password.
    public static func parse(_ text: String, environment: [String: String] = [:]) throws(ParseError) -> RedisURL {
        let scheme = "redis://"
        guard text.hasPrefix(scheme) else {
            throw ParseError(offset: 0, reason: text.contains("://") ? "unsupported scheme (only redis:// is supported; no TLS)" : "missing redis:// scheme")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var offset = scheme.count
        var user: String?, password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            if let colon = credentials.firstIndex(of: ":") {
                user = credentials[..<colon].isEmpty ? nil : String(credentials[..<colon])
                password = String(credentials[credentials.index(after: colon)...])
            } else {
                user = credentials.isEmpty ? nil : String(credentials)
            }
            offset += credentials.count + 1
            rest = rest[rest.index(after: at)...]
        }
        let hostPort: Substring
        var dbText: Substring?
        if let slash = rest.firstIndex(of: "/") {
            hostPort = rest[..<slash]
            dbText = rest[rest.index(after: slash)...]
        } else {
            hostPort = rest
        }
        guard let colon = hostPort.lastIndex(of: ":") else {
            throw ParseError(offset: offset + hostPort.count, reason: "missing :port")
        }
        let host = hostPort[..<colon]
        guard !host.isEmpty else { throw ParseError(offset: offset, reason: "missing host") }
        guard host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }) else {
            throw ParseError(offset: offset, reason: "'\(host)' is not a host name or IPv4 address")
        }
        let portText = hostPort[hostPort.index(after: colon)...]
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw ParseError(offset: offset + host.count + 1, reason: "port '\(portText)' is not 1...65535")
        }
        var db = 0
        if let dbText, !dbText.isEmpty {
            guard let d = Int(dbText), d >= 0, d <= 65_535 else {
                throw ParseError(offset: offset + hostPort.count + 1, reason: "database '\(dbText)' is not a number 0...65535")
            }
            db = d
        }
        if password == nil || password == "" { password = environment["PAYOPS_REDIS_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 } }
        return RedisURL(user: user, password: password, host: String(host), port: port, db: db)
    }

    /// The URL with the password replaced by `***`: safe to print and log.
    public var description: String {
        var credentials = ""
        if user != nil || password != nil {
            credentials = (user ?? "") + (password != nil ? ":***" : "") + "@"
        }
        return "redis://\(credentials)\(host):\(port)/\(db)"
    }
}
