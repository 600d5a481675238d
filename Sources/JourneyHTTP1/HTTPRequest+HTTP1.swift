import HTTPTypes
import NIOHTTP1
import NIOHTTPTypesHTTP1

extension HTTPRequest {
    /// The swift-http-types head for an NIOHTTP1 head; nil when it cannot be one (a method that is not a token).
    ///
    /// The common origin-form target is taken as it is; NIOHTTPTypesHTTP1's conversion, which parses with
    /// URLComponents, handles absolute and asterisk forms.
    public init?(http1 head: HTTPRequestHead) {
        guard head.uri.utf8.first == UInt8(ascii: "/") else {
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
