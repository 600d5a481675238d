import HTTPTypes
import JourneyCore
import NIOCore

/// The plain listener beside a TLS one (`--http-redirect`): every request gets a 308 to the same target over
/// https, so a browser that typed `http://` lands on the encrypted site with its method and body kept (RFC 9110
/// §15.4.9), as nginx's `return 308 https://$host$request_uri` does.
struct HTTPSRedirect: Responder {
    /// The TLS listener's port; 443 is left out of the URL.
    var httpsPort: Int
    /// The host named when the request names none (an HTTP/1.0 client without Host).
    var fallbackHost: String

    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        let authority = request.head.authority ?? self.fallbackHost
        // Drop the port the request came to (`example.com:80`, `[::1]:80`); a bare IPv6 address (the fallback
        // host) gets its brackets.
        let host: String
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[...close])
        } else if authority.filter({ $0 == ":" }).count > 1 {
            host = "[\(authority)]"
        } else {
            host = String(authority.prefix { $0 != ":" })
        }
        let port = self.httpsPort == 443 ? "" : ":\(self.httpsPort)"
        var response = ErrorPage.response(for: .permanentRedirect)
        response.head.headerFields[.location] = "https://\(host)\(port)\(request.head.path ?? "/")"
        return context.eventLoop.makeSucceededFuture(response)
    }
}
