import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a Redis (or Valkey) server is and how to log in: `redis://[user:password@]host[:port][/db]`,
/// `rediss://…[?ssl_ca_certs=/path/ca.pem]` (TLS), or `unix:///path/to/redis.sock[?db=N]`.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// How to reach the server.
    public enum Transport: Sendable, Equatable {
        /// A host name or address and its port (6379 when the URL names none).
        case tcp(host: String, port: Int)
        /// A Unix domain socket's path: a Redis on the same machine without the TCP stack.
        case unixSocket(path: String)
    }

    /// How to reach the server.
    public var transport: Transport
    /// Whether the connection is TLS (`rediss://`), the server's certificate checked against the system's roots.
    public var usesTLS: Bool
    /// The certificate authorities (PEM) the server's certificate is checked against instead of the system's:
    /// a Redis with a private CA (`?ssl_ca_certs=PATH`, as redis-py's URLs write it).
    public var certificateAuthorityPath: String?
    /// The ACL user (`AUTH user password`); nil logs in as `default`.
    public var user: String?
    /// The password; nil sends no AUTH.
    public var password: String?
    /// The database to SELECT (0 is Redis's own default).
    public var database: Int

    /// The endpoint `url` names; nil for anything else.
    public init?(url: String) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            return nil
        }
        self.user = components.user.flatMap { $0.isEmpty ? nil : $0 }
        self.password = components.password
        switch scheme {
        case "redis", "rediss", "valkey", "valkeys":
            guard let host = components.host, !host.isEmpty else { return nil }
            let port = components.port ?? 6379
            guard (1...65535).contains(port) else { return nil }
            self.transport = .tcp(host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host, port: port)
            self.usesTLS = scheme == "rediss" || scheme == "valkeys"
            self.certificateAuthorityPath = components.queryItems?.first { $0.name == "ssl_ca_certs" }?.value
            if self.certificateAuthorityPath != nil, !self.usesTLS { return nil }
            let path = components.path.drop { $0 == "/" }
            guard let database = path.isEmpty ? 0 : Int(path), database >= 0 else { return nil }
            self.database = database
        case "unix":
            guard !components.path.isEmpty else { return nil }
            self.transport = .unixSocket(path: components.path)
            self.usesTLS = false
            self.certificateAuthorityPath = nil
            let db = components.queryItems?.first { $0.name == "db" }?.value
            guard let database = db.map({ Int($0) }) ?? 0, database >= 0 else { return nil }
            self.database = database
        default:
            return nil
        }
    }

    /// The URL without its password, for logs.
    public var description: String {
        self.url(password: self.password == nil ? nil : "***")
    }

    /// The URL that reads back as this endpoint, password included (a configuration written back).
    public var url: String {
        self.url(password: self.password.map { Self.escaped($0) })
    }

    private func url(password: String?) -> String {
        let user = self.user.map { Self.escaped($0) }
        let login = user.map { $0 + (password.map { ":" + $0 } ?? "") + "@" } ?? (password.map { ":\($0)@" } ?? "")
        switch self.transport {
        case .tcp(let host, let port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            let authority =
                self.certificateAuthorityPath.map { "?ssl_ca_certs=" + Self.escaped($0, keeping: "/") } ?? ""
            return "\(self.usesTLS ? "rediss" : "redis")://\(login)\(shownHost):\(port)/\(self.database)\(authority)"
        case .unixSocket(let path):
            return "unix://\(login)\(path)" + (self.database == 0 ? "" : "?db=\(self.database)")
        }
    }

    /// `text` percent-encoded but for unreserved characters (RFC 3986) and `keeping`, as a URL's user, password
    /// or query value.
    private static func escaped(_ text: String, keeping kept: String = "") -> String {
        var escaped = ""
        for byte in text.utf8 {
            let character = Character(Unicode.Scalar(byte))
            if byte < 0x80,
                character.isLetter || character.isNumber || "-._~".contains(character) || kept.contains(character)
            {
                escaped.append(character)
            } else {
                escaped += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return escaped
    }
}
