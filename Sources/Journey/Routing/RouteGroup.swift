import JourneyWebSocket

/// Routes that share a path prefix and middleware, collected by `RouteBuilder.group(_:middleware:_:)` and added to
/// the router (or the enclosing group) when the closure returns.
public struct RouteGroup: RouteBuilder, Sendable {
    private(set) var definitions: [RouteDefinition] = []
    private(set) var problems: [String] = []

    init() {}

    public mutating func on<Output: ResponseConvertible>(
        _ method: HTTPRequest.Method,
        _ path: String,
        body: RequestBodyPolicy,
        middleware: [any Middleware],
        use handler: @escaping RouteHandler<Output>
    ) {
        self.define(method, path, body: body, middleware: middleware, .handler(Self.responding(with: handler)))
    }

    public mutating func on(
        _ method: HTTPRequest.Method,
        _ path: String,
        middleware: [any Middleware],
        responder: any Responder
    ) {
        self.define(method, path, body: .collected(), middleware: middleware, .responder(responder))
    }

    public mutating func add(_ route: WebSocketRoute) {
        self.define(.get, route.path, body: .collected(), middleware: [], .webSocket(route))
    }

    public mutating func group(
        _ prefix: String,
        middleware: [any Middleware],
        _ build: (inout RouteGroup) throws -> Void
    ) rethrows {
        var group = RouteGroup()
        try build(&group)
        self.problems += group.problems
        do {
            let prefix = try RoutePattern(prefix)
            self.definitions += group.definitions.map { $0.inside(prefix, middleware: middleware) }
        } catch {
            self.problems += error.problems
        }
    }

    private mutating func define(
        _ method: HTTPRequest.Method,
        _ path: String,
        body: RequestBodyPolicy,
        middleware: [any Middleware],
        _ endpoint: RouteDefinition.Endpoint
    ) {
        do {
            let pattern = try RoutePattern(path)
            self.definitions.append(
                RouteDefinition(
                    method: method,
                    pattern: pattern,
                    body: body,
                    middleware: middleware,
                    endpoint: endpoint
                )
            )
        } catch {
            self.problems += error.problems
        }
    }

    /// `handler` with its output made a response.
    static func responding<Output: ResponseConvertible>(
        with handler: @escaping RouteHandler<Output>
    ) -> @Sendable (Request, RequestContext) async throws -> Response {
        if let handler = handler as? RouteHandler<Response> { return handler }
        return { request, context in
            try await handler(request, context).response(to: request, context: context)
        }
    }
}
