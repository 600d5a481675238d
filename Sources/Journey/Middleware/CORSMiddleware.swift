/// Cross-origin resource sharing (Fetch standard §3.2): answers preflights and marks responses readable by the
/// origins allowed.
///
/// A request without `Origin`, or from an origin not allowed, passes through unmarked: the browser then keeps the
/// response from the page, which is the point. A preflight (`OPTIONS` with `Access-Control-Request-Method`) is
/// answered here with 204 and never reaches the routes. Responses vary on `Origin` unless every origin is allowed
/// without credentials, so caches keep one copy per origin.
public struct CORSMiddleware: Middleware {
    /// Which origins may read responses.
    public enum AllowedOrigins: Sendable, Hashable {
        /// Any origin (`*`); with credentials, the request's origin is echoed instead, as the standard requires.
        case any
        /// These origins, compared exactly (scheme, host and port: `https://app.example.com`).
        case only(Set<String>)
    }

    /// The origins allowed.
    public var allowedOrigins: AllowedOrigins
    /// The methods a preflight allows.
    public var allowedMethods: [HTTPRequest.Method]
    /// The request fields a preflight allows; nil echoes what the preflight asks for.
    public var allowedHeaders: [String]?
    /// Response fields the page may read besides the CORS-safelisted ones.
    public var exposedHeaders: [String]
    /// Whether requests with cookies or HTTP authentication may read responses.
    public var allowsCredentials: Bool
    /// How long a browser may keep a preflight's answer; nil leaves it to the browser (5 s).
    public var maxAge: Duration?

    /// Creates the middleware; the defaults allow every origin the simple methods, without credentials.
    public init(
        allowedOrigins: AllowedOrigins = .any,
        allowedMethods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete],
        allowedHeaders: [String]? = nil,
        exposedHeaders: [String] = [],
        allowsCredentials: Bool = false,
        maxAge: Duration? = .seconds(600)
    ) {
        self.allowedOrigins = allowedOrigins
        self.allowedMethods = allowedMethods
        self.allowedHeaders = allowedHeaders
        self.exposedHeaders = exposedHeaders
        self.allowsCredentials = allowsCredentials
        self.maxAge = maxAge
    }

    public func respond(to request: Request, context: RequestContext, next: MiddlewareNext) async throws -> Response {
        if let answer = self.preflightAnswer(to: request) { return answer }
        return self.marked(await next(request, context), answering: request)
    }

    /// The answer to `request` when it is a preflight from an origin (`OPTIONS` with `Access-Control-Request-Method`):
    /// 204, with the allowed methods and fields when the origin is allowed, without them when not. Nil for any other
    /// request, which goes on to be answered and `marked(_:answering:)`. Also what a site rule's `cors` answers with.
    package func preflightAnswer(to request: Request) -> Response? {
        let fields = request.head.headerFields
        guard let origin = fields[.origin], request.head.method == .options,
            fields[.accessControlRequestMethod] != nil
        else { return nil }
        guard let allowOrigin = self.allowOrigin(for: origin) else { return self.vary(Response(status: .noContent)) }
        var response = Response(status: .noContent)
        self.mark(&response, allowOrigin: allowOrigin)
        response.head.headerFields[.accessControlAllowMethods] = self.allowedMethods.map(\.rawValue).joined(
            separator: ", "
        )
        if let headers = self.allowedHeaders {
            response.head.headerFields[.accessControlAllowHeaders] = headers.joined(separator: ", ")
        } else if let asked = fields[.accessControlRequestHeaders] {
            response.head.headerFields[.accessControlAllowHeaders] = asked
        }
        if let maxAge { response.head.headerFields[.accessControlMaxAge] = "\(maxAge.components.seconds)" }
        return response
    }

    /// `response` to `request` made readable by the request's origin when it is allowed (and marked as varying by
    /// `Origin`); as it is for a request without one.
    package func marked(_ response: Response, answering request: Request) -> Response {
        guard let origin = request.head.headerFields[.origin] else { return response }
        guard let allowOrigin = self.allowOrigin(for: origin) else { return self.vary(response) }
        var response = response
        self.mark(&response, allowOrigin: allowOrigin)
        if !self.exposedHeaders.isEmpty {
            response.head.headerFields[.accessControlExposeHeaders] = self.exposedHeaders.joined(separator: ", ")
        }
        return response
    }

    /// The `Access-Control-Allow-Origin` value for `origin`, nil when it is not allowed.
    private func allowOrigin(for origin: String) -> String? {
        switch self.allowedOrigins {
        case .any: return self.allowsCredentials ? origin : "*"
        case .only(let origins): return origins.contains(origin) ? origin : nil
        }
    }

    private func mark(_ response: inout Response, allowOrigin: String) {
        response.head.headerFields[.accessControlAllowOrigin] = allowOrigin
        if self.allowsCredentials { response.head.headerFields[.accessControlAllowCredentials] = "true" }
        if allowOrigin != "*" { response = self.vary(response) }
    }

    /// `response` marked as varying by `Origin` (RFC 9110 §12.5.5), keeping any `Vary` it had.
    private func vary(_ response: Response) -> Response {
        if case .any = self.allowedOrigins, !self.allowsCredentials { return response }
        var response = response
        let existing = response.head.headerFields[values: .vary]
        guard !existing.contains(where: { $0.lowercased().contains("origin") || $0 == "*" }) else { return response }
        response.head.headerFields.append(HTTPField(name: .vary, value: "Origin"))
        return response
    }
}
