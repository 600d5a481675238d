import JourneyWebSocket

/// Answers a routed request: the request, its context (parameters, logger, values middleware attached), and what
/// the client gets back.
public typealias RouteHandler<Output: ResponseConvertible> =
    @Sendable (_ request: Request, _ context: RequestContext) async throws -> Output

/// What routes are added to: a `Router`, or one of its groups.
///
/// Patterns are paths whose segments are literal, `{name}` (a parameter), `*` (any one segment) or a last `**`
/// (the rest of the path, read with `context.parameters.rest`). A mistake in a pattern, or two routes that answer
/// the same request, is not a crash: `Server.start()` (and `Router.validate()`) report it with both routes named.
public protocol RouteBuilder {
    /// Routes `method` requests for `path` through `middleware` to `handler`, their bodies taken as `body` says;
    /// what `handler` returns becomes the response (`ResponseConvertible`: a `Response`, a `String`, any
    /// `ResponseEncodable` as JSON…).
    mutating func on<Output: ResponseConvertible>(
        _ method: HTTPRequest.Method,
        _ path: String,
        body: RequestBodyPolicy,
        middleware: [any Middleware],
        use handler: @escaping RouteHandler<Output>
    )

    /// Routes `method` requests for `path` to a future-based responder (one that answers from the event loop
    /// without a task, as the static files do).
    mutating func on(
        _ method: HTTPRequest.Method,
        _ path: String,
        middleware: [any Middleware],
        responder: any Responder
    )

    /// Adds a WebSocket route; its path is the group's prefix followed by the route's.
    mutating func add(_ route: WebSocketRoute)

    /// Adds the routes `build` adds to a group, each under `prefix` and inside `middleware` (after this builder's).
    mutating func group(
        _ prefix: String,
        middleware: [any Middleware],
        _ build: (inout RouteGroup) throws -> Void
    )
        rethrows
}

extension RouteBuilder {
    /// Routes `method` requests for `path` to `handler`.
    public mutating func on<Output: ResponseConvertible>(
        _ method: HTTPRequest.Method,
        _ path: String,
        use handler: @escaping RouteHandler<Output>
    ) {
        self.on(method, path, body: .collected(), middleware: [], use: handler)
    }

    /// Routes `method` requests for `path` to `responder`.
    public mutating func on(_ method: HTTPRequest.Method, _ path: String, responder: any Responder) {
        self.on(method, path, middleware: [], responder: responder)
    }

    /// Routes GET requests for `path` to `handler`; HEAD is answered by it too, without the body.
    public mutating func get<Output: ResponseConvertible>(
        _ path: String,
        middleware: [any Middleware] = [],
        use handler: @escaping RouteHandler<Output>
    ) {
        self.on(.get, path, body: .collected(), middleware: middleware, use: handler)
    }

    /// Routes GET requests for `path` to a handler that builds its `Response` (`.text(…)`, `.json(…)`).
    public mutating func get(
        _ path: String,
        middleware: [any Middleware] = [],
        use handler: @escaping RouteHandler<Response>
    ) {
        self.on(.get, path, body: .collected(), middleware: middleware, use: handler)
    }

    /// Routes POST requests for `path` to `handler`.
    public mutating func post<Output: ResponseConvertible>(
        _ path: String,
        body: RequestBodyPolicy = .collected(),
        middleware: [any Middleware] = [],
        use handler: @escaping RouteHandler<Output>
    ) {
        self.on(.post, path, body: body, middleware: middleware, use: handler)
    }

    /// Routes POST requests for `path` to a handler that builds its `Response`.
    public mutating func post(
        _ path: String,
        body: RequestBodyPolicy = .collected(),
        middleware: [any Middleware] = [],
        use handler: @escaping RouteHandler<Response>
    ) {
        self.on(.post, path, body: body, middleware: middleware, use: handler)
    }

    /// Routes PUT requests for `path` to `handler`.
    public mutating func put<Output: ResponseConvertible>(
        _ path: String,
        body: RequestBodyPolicy = .collected(),
        middleware: [any Middleware] = [],
        use handler: @escaping RouteHandler<Output>
    ) {
        self.on(.put, path, body: body, middleware: middleware, use: handler)
    }

    /// Routes PUT requests for `path` to a handler that builds its `Response`.
    public mutating func put(
        _ path: String,
        body: RequestBodyPolicy = .collected(),
        middleware: [any Middleware] = [],
        use handler: @escaping RouteHandler<Response>
    ) {
        self.on(.put, path, body: body, middleware: middleware, use: handler)
    }

    /// Routes PATCH requests for `path` to `handler`.
    public mutating func patch<Output: ResponseConvertible>(
        _ path: String,
        body: RequestBodyPolicy = .collected(),
        middleware: [any Middleware] = [],
        use handler: @escaping RouteHandler<Output>
    ) {
        self.on(.patch, path, body: body, middleware: middleware, use: handler)
    }

    /// Routes PATCH requests for `path` to a handler that builds its `Response`.
    public mutating func patch(
        _ path: String,
        body: RequestBodyPolicy = .collected(),
        middleware: [any Middleware] = [],
        use handler: @escaping RouteHandler<Response>
    ) {
        self.on(.patch, path, body: body, middleware: middleware, use: handler)
    }

    /// Routes DELETE requests for `path` to `handler`.
    public mutating func delete<Output: ResponseConvertible>(
        _ path: String,
        middleware: [any Middleware] = [],
        use handler: @escaping RouteHandler<Output>
    ) {
        self.on(.delete, path, body: .collected(), middleware: middleware, use: handler)
    }

    /// Routes DELETE requests for `path` to a handler that builds its `Response`.
    public mutating func delete(
        _ path: String,
        middleware: [any Middleware] = [],
        use handler: @escaping RouteHandler<Response>
    ) {
        self.on(.delete, path, body: .collected(), middleware: middleware, use: handler)
    }

    /// Adds a group of routes under `prefix`, with no middleware of its own.
    ///
    /// ```swift
    /// router.group("/todos", middleware: [Authenticated()]) { todos in
    ///     todos.get { _, _ in try await store.all() }
    ///     todos.get("{id}") { _, context in try await store.todo(context.parameters.require("id", as: Int.self)) }
    /// }
    /// ```
    public mutating func group(_ prefix: String, _ build: (inout RouteGroup) throws -> Void) rethrows {
        try self.group(prefix, middleware: [], build)
    }

    /// Upgrades requests for `path` to WebSocket and runs `handler` on each connection, as a task (the style for
    /// handlers that iterate messages and await; the callback form, `onUpgrade:`, costs no task).
    ///
    /// A valid handshake (RFC 6455 §4.2.1) from an allowed origin is offered to `shouldUpgrade`, which may refuse
    /// it with a status. A GET route may share the path: an Upgrade goes to the WebSocket, a plain GET to the GET
    /// route; with no GET route, a plain GET gets 426 Upgrade Required.
    ///
    /// ```swift
    /// router.webSocket("/chat") { inbound, outbound, context in
    ///     for try await message in inbound { try await outbound.send(message) }
    /// }
    /// ```
    public mutating func webSocket(
        _ path: String,
        options: WebSocketOptions = WebSocketOptions(),
        shouldUpgrade: WebSocketRoute.UpgradeCheck? = nil,
        handler: @escaping WebSocketRoute.Handler
    ) {
        self.add(WebSocketRoute(path, options: options, shouldUpgrade: shouldUpgrade, handler: handler))
    }

    /// Upgrades requests for `path` to WebSocket and sets each connection up with `setup`, on its event loop: the
    /// callbacks it registers answer there, with no task per connection.
    ///
    /// ```swift
    /// router.webSocket("/echo") { socket, context in
    ///     socket.onText { socket, text in socket.send(text: text) }
    /// }
    /// ```
    public mutating func webSocket(
        _ path: String,
        options: WebSocketOptions = WebSocketOptions(),
        shouldUpgrade: WebSocketRoute.UpgradeCheck? = nil,
        onUpgrade setup: @escaping WebSocketRoute.Setup
    ) {
        self.add(WebSocketRoute(path, options: options, shouldUpgrade: shouldUpgrade, onUpgrade: setup))
    }
}

extension RouteBuilder {
    /// Routes GET requests for the builder's own path (a group's prefix) to `handler`.
    public mutating func get<Output: ResponseConvertible>(
        middleware: [any Middleware] = [],
        use handler: @escaping RouteHandler<Output>
    ) {
        self.on(.get, "/", body: .collected(), middleware: middleware, use: handler)
    }

    /// Routes POST requests for the builder's own path (a group's prefix) to `handler`.
    public mutating func post<Output: ResponseConvertible>(
        middleware: [any Middleware] = [],
        use handler: @escaping RouteHandler<Output>
    ) {
        self.on(.post, "/", body: .collected(), middleware: middleware, use: handler)
    }
}
