import HTTPTypes
import JourneyCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

extension HTTPRequest {
    /// The swift-http-types head for an NIOHTTP1 head; nil when it cannot be one (a method that is not a token, an
    /// absolute target whose authority is not a valid host).
    ///
    /// The common origin-form target is taken as it is. An absolute-form target (`GET http://host/path`, as a
    /// client talking to a proxy sends) names the authority itself: RFC 9112 §3.2.2 has the server take it and
    /// ignore Host, so the request is routed by the target. NIOHTTPTypesHTTP1's conversion, which parses with
    /// URLComponents, handles the asterisk and authority forms.
    public init?(http1 head: HTTPRequestHead) {
        guard head.uri.utf8.first == UInt8(ascii: "/") else {
            if let absolute = AbsoluteTarget(head.uri) {
                guard let method = try? HTTPRequest.Method(head.method) else { return nil }
                self.init(
                    method: method,
                    scheme: absolute.scheme,
                    authority: absolute.authority,
                    path: absolute.path,
                    headerFields: HTTPFields(head.headers, splitCookie: false)
                )
                return
            }
            if AbsoluteTarget.hasScheme(head.uri) { return nil }
            guard let converted = try? HTTPRequest(head, secure: false, splitCookie: false) else { return nil }
            self = converted
            return
        }
        guard let method = try? HTTPRequest.Method(head.method) else { return nil }
        self.init(
            method: method,
            scheme: "http",
            authority: head.headers.first(name: "host"),
            path: head.uri,
            headerFields: HTTPFields(head.headers, splitCookie: false)
        )
    }
}

/// An absolute-form request target, `http://authority/path?query` (RFC 9112 §3.2.2), split into what a request
/// head keeps.
struct AbsoluteTarget: Equatable {
    /// `http` or `https`, lowercased (schemes are case-insensitive, RFC 3986 §3.1).
    var scheme: String
    /// The authority, a valid `uri-host [ ":" port ]`.
    var authority: String
    /// The path and query, `/` when the target has none (RFC 9112 §3.2.1).
    var path: String

    /// Nil when `target` is not an http(s) URI with a valid authority (userinfo is refused: RFC 9110 §4.2.4 has
    /// a recipient treat it as an error, since it is how phishing links hide the host).
    init?(_ target: String) {
        guard let colon = target.firstIndex(of: ":"), target[colon...].hasPrefix("://") else { return nil }
        let scheme = target[..<colon].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = target[target.index(colon, offsetBy: 3)...]
        let end = rest.firstIndex(where: Self.endsAuthority) ?? rest.endIndex
        let authority = rest[..<end]
        // RFC 9110 §4.2.1: an http URI with an empty host is invalid.
        guard let first = authority.first, first != ":", HostSyntax.isValid(authority) else { return nil }
        var path = String(rest[end...])
        // The fragment is the client's own (RFC 9110 §4.2.5): it is not part of what is asked for.
        if let fragment = path.firstIndex(of: "#") { path = String(path[..<fragment]) }
        if !path.hasPrefix("/") { path = "/" + path }
        self.scheme = scheme
        self.authority = String(authority)
        self.path = path
    }

    /// `/`, `?` or `#`: where an authority ends (RFC 3986 §3.2).
    private static func endsAuthority(_ character: Character) -> Bool {
        character == "/" || character == "?" || character == "#"
    }

    /// Whether `target` starts with a URI scheme (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"`) followed by
    /// `//`: an absolute form, which must then parse as one.
    static func hasScheme(_ target: String) -> Bool {
        guard let colon = target.firstIndex(of: ":"), target[colon...].hasPrefix("://") else { return false }
        let scheme = target[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter else { return false }
        return scheme.allSatisfy { character in
            guard character.isASCII else { return false }
            return character.isLetter || character.isNumber || "+-.".contains(character)
        }
    }
}
