import HTTPTypes

/// A cookie to set (`Set-Cookie`, RFC 6265bis §4.1), with every attribute a browser reads.
public struct Cookie: Sendable, Hashable {
    /// How a browser sends the cookie on requests from other sites (RFC 6265bis §4.1.2.7).
    public enum SameSite: String, Sendable, Hashable {
        /// Only on requests from the same site.
        case strict = "Strict"
        /// On same-site requests and top-level navigations to the site.
        case lax = "Lax"
        /// On every request; a browser then requires `Secure`.
        case none = "None"
    }

    /// The cookie's name: an RFC 9110 token.
    public var name: String
    /// Its value: cookie-octets (no spaces, quotes, commas, semicolons or backslashes).
    public var value: String
    /// When it expires, as an IMF-fixdate (`HTTPDate`'s form); `maxAge` wins when both are set.
    public var expires: String?
    /// Seconds until it expires; zero or less deletes it.
    public var maxAge: Int?
    /// The hosts it is sent to besides the one that set it.
    public var domain: String?
    /// The path prefix it is sent for.
    public var path: String?
    /// Sent over HTTPS only.
    public var secure: Bool
    /// Hidden from JavaScript.
    public var httpOnly: Bool
    /// Its cross-site policy; nil leaves it to the browser (Lax in current ones).
    public var sameSite: SameSite?
    /// Kept apart per top-level site (CHIPS); requires `Secure`.
    public var partitioned: Bool

    /// Creates a cookie; `path` defaults to `/` so it is sent for the whole site, not the setting path's directory.
    public init(
        name: String,
        value: String,
        expires: String? = nil,
        maxAge: Int? = nil,
        domain: String? = nil,
        path: String? = "/",
        secure: Bool = false,
        httpOnly: Bool = false,
        sameSite: SameSite? = nil,
        partitioned: Bool = false
    ) {
        self.name = name
        self.value = value
        self.expires = expires
        self.maxAge = maxAge
        self.domain = domain
        self.path = path
        self.secure = secure
        self.httpOnly = httpOnly
        self.sameSite = sameSite
        self.partitioned = partitioned
    }

    /// The `Set-Cookie` field value.
    public var fieldValue: String {
        var value = "\(self.name)=\(self.value)"
        if let expires { value += "; Expires=\(expires)" }
        if let maxAge { value += "; Max-Age=\(maxAge)" }
        if let domain { value += "; Domain=\(domain)" }
        if let path { value += "; Path=\(path)" }
        if self.secure { value += "; Secure" }
        if self.httpOnly { value += "; HttpOnly" }
        if let sameSite { value += "; SameSite=\(sameSite.rawValue)" }
        if self.partitioned { value += "; Partitioned" }
        return value
    }

    /// Whether the name is a token and the value cookie-octets, optionally quoted (RFC 6265bis §4.1.1): a cookie
    /// that is not would be mangled or dropped by the browser, or split the field.
    public var isValid: Bool {
        let separators = Set("()<>@,;:\\\"/[]?={} \t".utf8)
        let nameIsToken =
            !self.name.isEmpty && self.name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !separators.contains($0) }
        var octets = Substring(self.value)
        if octets.count >= 2, octets.first == "\"", octets.last == "\"" { octets = octets.dropFirst().dropLast() }
        let valueIsOctets = octets.utf8.allSatisfy {
            $0 == 0x21 || (0x23...0x2B).contains($0) || (0x2D...0x3A).contains($0) || (0x3C...0x5B).contains($0)
                || (0x5D...0x7E).contains($0)
        }
        return nameIsToken && valueIsOctets
    }
}

extension Response {
    /// Adds a `Set-Cookie` field for `cookie`; one a browser could not read is a programmer's mistake and stops
    /// the process in debug builds (in release it is not sent).
    public mutating func setCookie(_ cookie: Cookie) {
        assert(cookie.isValid, "\(cookie.name) is not a valid cookie name or value")
        guard cookie.isValid else { return }
        self.head.headerFields.append(HTTPField(name: .setCookie, value: cookie.fieldValue))
    }
}
