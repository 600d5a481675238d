import JourneyWebSocket

/// A route as a group collects it, before the router compiles it into its tree: method, pattern, the middleware
/// it sits in (outermost first) and what answers.
struct RouteDefinition: Sendable {
    enum Endpoint: Sendable {
        case handler(@Sendable (Request, RequestContext) async throws -> Response)
        case responder(any Responder)
        case webSocket(WebSocketRoute)
    }

    var method: HTTPRequest.Method
    var pattern: RoutePattern
    var body: RequestBodyPolicy
    var middleware: [any Middleware]
    var endpoint: Endpoint

    /// This route inside a group: its prefix in front, its middleware outside.
    func inside(_ prefix: RoutePattern, middleware: [any Middleware]) -> RouteDefinition {
        RouteDefinition(
            method: self.method,
            pattern: self.pattern.prefixed(by: prefix),
            body: self.body,
            middleware: middleware + self.middleware,
            endpoint: self.endpoint
        )
    }
}
