import HTTPTypes
import JourneyConnection
import JourneyCore
import JourneyWebSocket
import NIOCore

/// Routes requests by method and path to handlers, through middleware, falling back to another responder (a
/// folder) for what no route takes.
///
/// Routes compile into a tree as they are added (`RouteBuilder` has the patterns); matching a route without
/// parameters allocates nothing. What no route takes goes to `fallback`, or is a 404; a path routes take with other
/// methods is a 405 with `Allow`, and an `OPTIONS` nobody routed is answered with `Allow`. GET routes answer HEAD
/// without the body. WebSocket routes are in the same router: the listener's upgrader looks them up here.
///
/// Handlers run as tasks that prefer the connection's event loop as their executor, so an async handler that does
/// not suspend on something else runs on the loop that read the request, without a thread hop; one that awaits
/// a database resumes there too. A handler must not block: blocking work belongs on a thread pool.
public struct Router: PreparedResponder, WebSocketRouteTable, RouteBuilder {
    /// What an HTTP route leads to.
    enum Endpoint: Sendable {
        /// The route's middleware and handler as one chain: errors come back rendered.
        case chain(MiddlewareNext)
        /// A future-based responder, called on the event loop without a task.
        case responder(any Responder)
    }

    /// An HTTP route as the tree holds it.
    struct Route: Sendable {
        var endpoint: Endpoint
        var body: RequestBodyPolicy
    }

    private var routes = RouteTree<Route>()
    private var webSocketRoutes = RouteTree<WebSocketRoute>()
    private var problems: [String] = []
    private var middleware: [any Middleware] = []
    /// `middleware` and the routes as one chain, built by `prepare()`; nil until then, and after any change.
    private var prepared: MiddlewareNext?
    /// `middleware` around an upgrade request that it lets through (101), built by `prepare()`.
    private var preparedAdmission: MiddlewareNext?
    /// What turns thrown errors into responses, for every route and middleware of this router.
    public let errorRenderer: any ErrorRenderer
    /// Answers requests no route matches; a 404 when nil.
    public var fallback: (any Responder)? {
        didSet {
            self.preparedFallback = self.fallback as? any PreparedResponder
            self.prepared = nil
        }
    }
    /// `fallback` when it has prepared answers, cast once rather than once per request.
    private var preparedFallback: (any PreparedResponder)?

    /// Creates a router with no routes.
    ///
    /// - Parameters:
    ///   - fallback: what answers requests no route takes (a `StaticFileResponder`); nil answers them 404.
    ///   - errorRenderer: what renders thrown errors; the default sends problem details or an HTML page.
    public init(fallback: (any Responder)? = nil, errorRenderer: any ErrorRenderer = ProblemDetailsRenderer()) {
        self.fallback = fallback
        self.preparedFallback = fallback as? any PreparedResponder
        self.errorRenderer = errorRenderer
    }

    // MARK: Building

    public mutating func on<Output: ResponseConvertible>(
        _ method: HTTPRequest.Method,
        _ path: String,
        body: RequestBodyPolicy,
        middleware: [any Middleware],
        use handler: @escaping RouteHandler<Output>
    ) {
        var group = RouteGroup()
        group.on(method, path, body: body, middleware: middleware, use: handler)
        self.add(group)
    }

    public mutating func on(
        _ method: HTTPRequest.Method,
        _ path: String,
        middleware: [any Middleware],
        responder: any Responder
    ) {
        var group = RouteGroup()
        group.on(method, path, middleware: middleware, responder: responder)
        self.add(group)
    }

    public mutating func add(_ route: WebSocketRoute) {
        var group = RouteGroup()
        group.add(route)
        self.add(group)
    }

    public mutating func group(
        _ prefix: String,
        middleware: [any Middleware],
        _ build: (inout RouteGroup) throws -> Void
    ) rethrows {
        var outer = RouteGroup()
        try outer.group(prefix, middleware: middleware, build)
        self.add(outer)
    }

    /// Adds `middleware` around everything this router serves: every route (those added before too), the
    /// fallback, 404s and 405s. The first added is the outermost.
    ///
    /// A folder behind a router with middleware loses its fast path (each file then passes through the
    /// middleware, as a task); routes and groups can carry middleware of their own instead.
    public mutating func add(middleware: any Middleware) {
        self.middleware.append(middleware)
        self.prepared = nil
        self.preparedAdmission = nil
    }

    /// Adds a pub/sub endpoint: its WebSocket route, `POST PATH/TOPIC` to publish over HTTP, and `GET PATH/TOPIC`
    /// to read a topic as Server-Sent Events.
    public mutating func add(_ pubSub: PubSubEndpoint) {
        self.add(pubSub.route)
        self.post(pubSub.path + "/**") { request, _ in try await pubSub.publish(request) }
        self.get(pubSub.path + "/**") { request, context in try pubSub.subscribe(request, context: context) }
    }

    private mutating func add(_ group: RouteGroup) {
        self.problems += group.problems
        for definition in group.definitions {
            do {
                switch definition.endpoint {
                case .webSocket(var route):
                    route.path = definition.pattern.description
                    try self.webSocketRoutes.add(.get, definition.pattern, value: route)
                case .responder(let responder) where definition.middleware.isEmpty:
                    let route = Route(endpoint: .responder(responder), body: definition.body)
                    try self.routes.add(definition.method, definition.pattern, value: route)
                case .responder(let responder):
                    let handler: @Sendable (Request, RequestContext) async throws -> Response = { request, context in
                        try await responder.respond(to: request, context: context).get()
                    }
                    try self.routes.add(definition.method, definition.pattern, value: self.chain(definition, handler))
                case .handler(let handler):
                    try self.routes.add(definition.method, definition.pattern, value: self.chain(definition, handler))
                }
            } catch {
                self.problems += error.problems
            }
        }
        self.prepared = nil
    }

    private func chain(
        _ definition: RouteDefinition,
        _ handler: @escaping @Sendable (Request, RequestContext) async throws -> Response
    ) -> Route {
        let chain = MiddlewareNext(definition.middleware, around: handler, renderer: self.errorRenderer)
        return Route(endpoint: .chain(chain), body: definition.body)
    }

    /// Throws every problem found while routes were added: patterns it could not read, routes that answer the same
    /// request. `Server.start()` calls it.
    public func validate() throws(InvalidRoutes) {
        if !self.problems.isEmpty { throw InvalidRoutes(problems: self.problems) }
    }

    /// Builds the chain of the router's own middleware once, so serving does not rebuild it per request.
    /// `Server.start()` and the test client call it; a router used without it builds the chain per request.
    public mutating func prepare() {
        guard !self.middleware.isEmpty else { return }
        var unwrapped = self
        unwrapped.middleware = []
        let inner = unwrapped
        let dispatch: @Sendable (Request, RequestContext) async throws -> Response = { request, context in
            try await inner.dispatch(request, context: context)
        }
        self.prepared = MiddlewareNext(self.middleware, around: dispatch, renderer: self.errorRenderer)
        self.preparedAdmission = self.admissionChain()
    }

    /// The router's middleware around an upgrade request that it lets through: its answer is then 101.
    private func admissionChain() -> MiddlewareNext {
        let admitted: @Sendable (Request, RequestContext) async throws -> Response = { _, _ in
            Response(status: .switchingProtocols)
        }
        return MiddlewareNext(self.middleware, around: admitted, renderer: self.errorRenderer)
    }

    // MARK: Serving

    /// Finds the route for `request` and lets it answer.
    public func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        if !self.middleware.isEmpty {
            // Prepared when the server started; a router used without `prepare()` builds its chain now.
            if let prepared = self.prepared { return Self.run(prepared, request, context) }
            var router = self
            router.prepare()
            return Self.run(router.prepared!, request, context)
        }
        switch self.destination(of: request) {
        case .chain(let chain, let parameters):
            var context = context
            context.parameters = parameters
            return Self.run(chain, request, context)
        case .responder(let responder, let parameters):
            var context = context
            context.parameters = parameters
            return responder.respond(to: request, context: context)
        case .refused(let error):
            let response = self.errorRenderer.response(for: error, to: request, context: context)
            return context.eventLoop.makeSucceededFuture(response)
        }
    }

    /// The route's or the fallback's refusal from the head alone. The router's own 404s and 405s are not refused
    /// early: they are rendered by its `ErrorRenderer`, which the connection's refusal path does not know.
    public func refusal(of request: Request) -> HTTPError? {
        guard self.middleware.isEmpty else { return nil }
        if case .responder(let responder, _) = self.destination(of: request) { return responder.refusal(of: request) }
        return nil
    }

    /// The route's body policy; the fallback's for a path no route takes.
    public func bodyPolicy(for request: Request) -> RequestBodyPolicy {
        switch self.routes.match(request.head.method, path: request.path) {
        case .found(let route, _): return route.body
        case .methodNotAllowed: return .collected()
        case .notFound: return self.fallback?.bodyPolicy(for: request) ?? .collected()
        }
    }

    /// What answers `request` inside the router's own middleware.
    private func dispatch(_ request: Request, context: RequestContext) async throws -> Response {
        var context = context
        switch self.destination(of: request) {
        case .chain(let chain, let parameters):
            context.parameters = parameters
            return await chain(request, context)
        case .responder(let responder, let parameters):
            context.parameters = parameters
            return try await responder.respond(to: request, context: context).get()
        case .refused(let error):
            throw error
        }
    }

    /// Where a request goes.
    private enum Destination {
        case chain(MiddlewareNext, RouteParameters)
        case responder(any Responder, RouteParameters)
        case refused(HTTPError)
    }

    private func destination(of request: Request) -> Destination {
        let method = request.head.method
        switch self.routes.match(method, path: request.path) {
        case .found(let route, let parameters):
            switch route.endpoint {
            case .chain(let chain): return .chain(chain, parameters)
            case .responder(let responder): return .responder(responder, parameters)
            }
        case .methodNotAllowed(let methods):
            let allow = Self.allow(methods)
            // RFC 9110 §9.3.7: OPTIONS nobody routed says what the resource takes.
            if method == .options {
                let answer = Response(status: .noContent, headerFields: [.allow: allow])
                return .responder(Answer(response: answer), RouteParameters())
            }
            return .refused(HTTPError(.methodNotAllowed, headerFields: [.allow: allow]))
        case .notFound:
            // A request for a WebSocket path that reaches the router did not upgrade: RFC 9110 §15.5.22, 426 names
            // the protocol to switch to in Upgrade.
            if case .found = self.webSocketRoutes.match(.get, path: request.path) {
                guard method == .get || method == .head else {
                    return .refused(HTTPError(.methodNotAllowed, headerFields: [.allow: "GET, HEAD"]))
                }
                return .refused(Self.upgradeRequired)
            }
            guard let fallback = self.fallback else {
                return .refused(HTTPError(.notFound, detail: "No route takes \(method) \(request.path)."))
            }
            return .responder(fallback, RouteParameters())
        }
    }

    /// The `Allow` value for a path its routes take with `methods`: HEAD with GET, and OPTIONS, which the router
    /// always answers.
    private static func allow(_ methods: [HTTPRequest.Method]) -> String {
        var allowed = methods
        if allowed.contains(.get), !allowed.contains(.head) { allowed.append(.head) }
        if !allowed.contains(.options) { allowed.append(.options) }
        return allowed.map(\.rawValue).joined(separator: ", ")
    }

    private static let upgradeRequired = HTTPError(.upgradeRequired, headerFields: [.upgrade: "websocket"])

    /// Runs `chain` as a task that prefers the connection's event loop, and completes on that loop.
    private static func run(
        _ chain: MiddlewareNext,
        _ request: Request,
        _ context: RequestContext
    ) -> EventLoopFuture<Response> {
        let promise = context.eventLoop.makePromise(of: Response.self)
        Task(executorPreference: context.taskExecutor ?? EventLoopTaskExecutor(context.eventLoop)) {
            promise.succeed(await chain(request, context))
        }
        return promise.futureResult
    }

    // MARK: WebSocket

    /// Whether any route upgrades to WebSocket (the listener then needs an upgrader).
    package var hasWebSocketRoutes: Bool { !self.webSocketRoutes.isEmpty }

    /// Runs the router's own middleware on an upgrade request: what lets a request through lets the upgrade
    /// through (with the fields it added, a request id say), and what refuses a request refuses the upgrade.
    package func admit(_ request: Request, context: RequestContext) async -> WebSocketAdmission {
        guard !self.middleware.isEmpty else { return .admitted([:]) }
        let chain = self.preparedAdmission ?? self.admissionChain()
        let response = await chain(request, context)
        var fields = response.head.headerFields
        guard response.head.status == .switchingProtocols else { return .refused(response.head.status, fields) }
        fields[.contentType] = nil
        return .admitted(fields)
    }

    /// True without router-wide middleware: an upgrade needs nothing asked.
    package var admitsEveryUpgrade: Bool { self.middleware.isEmpty }

    /// The WebSocket route at `path`.
    package func webSocketRoute(for path: Substring) -> WebSocketRoute? {
        if case .found(let route, _) = self.webSocketRoutes.match(.get, path: path) { return route }
        return nil
    }
}

extension Router {
    /// The fallback's prepared answer for a path no route claims, when the router has no middleware of its own.
    public func preparedResponse(toGET path: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse? {
        guard let preparedFallback, self.middleware.isEmpty else { return nil }
        guard case .notFound = self.routes.match(.get, path: path),
            case .notFound = self.webSocketRoutes.match(.get, path: path)
        else { return nil }
        return preparedFallback.preparedResponse(toGET: path, sendsAcceptEncoding: sendsAcceptEncoding)
    }

    /// Whether the fallback's answers depend on the host (sites chosen by name).
    public var answersByHost: Bool { self.preparedFallback?.answersByHost ?? false }

    /// The fallback's prepared answer for `GET path` on `host`, for a path no route claims.
    public func preparedResponse(toGET path: Substring, host: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse?
    {
        guard let preparedFallback, self.middleware.isEmpty else { return nil }
        guard case .notFound = self.routes.match(.get, path: path),
            case .notFound = self.webSocketRoutes.match(.get, path: path)
        else { return nil }
        return preparedFallback.preparedResponse(toGET: path, host: host, sendsAcceptEncoding: sendsAcceptEncoding)
    }
}

/// A response given as it is, for answers the router makes itself.
private struct Answer: Responder {
    let response: Response

    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        context.eventLoop.makeSucceededFuture(self.response)
    }
}
