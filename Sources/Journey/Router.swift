import HTTPTypes
import JourneyCore
import JourneyWebSocket
import NIOCore

/// Routes requests by method and path to handlers, falling back to another responder (static files).
///
/// A path is exact (`/hello`) or a prefix ending in `/*` (`/api/*`). A path that matches but not for the
/// request's method answers 405 with `Allow`; GET routes answer HEAD too, without a body. WebSocket routes are in
/// the same table: the listener's upgrader looks them up here, and a plain GET of one is answered 426.
public struct Router: PreparedResponder, WebSocketRouteTable {
    private struct Route: Sendable {
        var method: HTTPRequest.Method
        var path: String
        var isPrefix: Bool
        var endpoint: Endpoint
    }

    /// What a route leads to.
    private enum Endpoint: Sendable {
        /// An HTTP answer.
        case responder(any Responder)
        /// A WebSocket session, once the upgrader has agreed the handshake.
        case webSocket(WebSocketRoute)
    }

    private var routes: [Route] = []
    /// Answers requests no route matches; 404 when nil.
    public var fallback: (any Responder)? {
        didSet { self.preparedFallback = self.fallback as? any PreparedResponder }
    }
    /// `fallback` when it has prepared answers, cast once rather than once per request.
    private var preparedFallback: (any PreparedResponder)?

    /// Creates a router with no routes.
    public init(fallback: (any Responder)? = nil) {
        self.fallback = fallback
        self.preparedFallback = fallback as? any PreparedResponder
    }

    /// Routes `method` requests for `path` to `responder`.
    public mutating func on(_ method: HTTPRequest.Method, _ path: String, responder: any Responder) {
        let isPrefix = path.hasSuffix("/*")
        let stored = isPrefix ? String(path.dropLast()) : path
        self.routes.append(Route(method: method, path: stored, isPrefix: isPrefix, endpoint: .responder(responder)))
    }

    /// Routes `method` requests for `path` to an async closure.
    public mutating func on(
        _ method: HTTPRequest.Method,
        _ path: String,
        use handler: @escaping @Sendable (Request, RequestContext) async throws -> Response
    ) {
        self.on(method, path, responder: ClosureResponder(handler: handler))
    }

    /// Routes GET (and so HEAD) requests for `path`.
    public mutating func get(
        _ path: String,
        use handler: @escaping @Sendable (Request, RequestContext) async throws -> Response
    ) {
        self.on(.get, path, use: handler)
    }

    /// Routes POST requests for `path`.
    public mutating func post(
        _ path: String,
        use handler: @escaping @Sendable (Request, RequestContext) async throws -> Response
    ) {
        self.on(.post, path, use: handler)
    }

    /// Routes PUT requests for `path`.
    public mutating func put(
        _ path: String,
        use handler: @escaping @Sendable (Request, RequestContext) async throws -> Response
    ) {
        self.on(.put, path, use: handler)
    }

    /// Routes DELETE requests for `path`.
    public mutating func delete(
        _ path: String,
        use handler: @escaping @Sendable (Request, RequestContext) async throws -> Response
    ) {
        self.on(.delete, path, use: handler)
    }

    /// Upgrades requests for `path` to WebSocket and runs `handler` on each connection.
    ///
    /// A valid handshake (RFC 6455 §4.2.1) from an allowed origin is offered to `shouldUpgrade`, which may refuse
    /// it with a status; a plain GET of the path gets 426 Upgrade Required.
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

    /// Adds a WebSocket route (an echo, a pub/sub endpoint's, one built by hand).
    public mutating func add(_ route: WebSocketRoute) {
        self.routes.append(Route(method: .get, path: route.path, isPrefix: false, endpoint: .webSocket(route)))
    }

    /// Whether any route upgrades to WebSocket (the listener then needs an upgrader).
    package var hasWebSocketRoutes: Bool {
        self.routes.contains { if case .webSocket = $0.endpoint { true } else { false } }
    }

    /// The first WebSocket route at `path`.
    package func webSocketRoute(for path: Substring) -> WebSocketRoute? {
        for route in self.routes where !route.isPrefix && route.path == path {
            if case .webSocket(let webSocket) = route.endpoint { return webSocket }
        }
        return nil
    }

    /// Adds a pub/sub endpoint: its WebSocket route, and `POST PATH/TOPIC` to publish over HTTP.
    public mutating func add(_ pubSub: PubSubEndpoint) {
        self.add(pubSub.route)
        let prefix = pubSub.path.hasSuffix("/") ? pubSub.path : pubSub.path + "/"
        self.post(prefix + "*") { request, _ in try pubSub.publish(request) }
    }

    /// Finds the route for `request` and lets it answer.
    public func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        switch self.match(request) {
        case .route(let responder): return responder.respond(to: request, context: context)
        case .refused(let error): return context.eventLoop.makeFailedFuture(error)
        case .fallback(let fallback): return fallback.respond(to: request, context: context)
        }
    }

    /// The route's or the fallback's refusal from the head alone: 405 when routes take the path but not the
    /// method, 404 when nothing takes it.
    public func refusal(of request: Request) -> HTTPError? {
        switch self.match(request) {
        case .route(let responder): return responder.refusal(of: request)
        case .refused(let error): return error
        case .fallback(let fallback): return fallback.refusal(of: request)
        }
    }

    /// Where a request goes, by its method and path.
    private enum Match {
        case route(any Responder)
        case refused(HTTPError)
        case fallback(any Responder)
    }

    private func match(_ request: Request) -> Match {
        let path = request.path
        var allowed: [HTTPRequest.Method] = []
        for route in self.routes where route.isPrefix ? path.hasPrefix(route.path) : path == route.path {
            if route.method == request.head.method || (route.method == .get && request.head.method == .head) {
                switch route.endpoint {
                case .responder(let responder): return .route(responder)
                // A request that reaches the router for a WebSocket path did not upgrade: RFC 9110 §15.5.22, 426
                // names the protocol to switch to in Upgrade.
                case .webSocket: return .refused(Self.upgradeRequired)
                }
            }
            allowed.append(route.method)
            if route.method == .get { allowed.append(.head) }
        }
        if !allowed.isEmpty {
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            return .refused(HTTPError(.methodNotAllowed, headerFields: [.allow: allow]))
        }
        guard let fallback = self.fallback else { return .refused(HTTPError(.notFound)) }
        return .fallback(fallback)
    }

    private static let upgradeRequired = HTTPError(.upgradeRequired, headerFields: [.upgrade: "websocket"])
}

extension Router {
    /// The fallback's prepared answer for a path no route claims (for any method: a route's 405 is its own).
    public func preparedResponse(toGET path: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse? {
        guard let preparedFallback else { return nil }
        for route in self.routes where route.isPrefix ? path.hasPrefix(route.path) : path == route.path {
            return nil
        }
        return preparedFallback.preparedResponse(toGET: path, sendsAcceptEncoding: sendsAcceptEncoding)
    }
}

/// Adapts an async closure to `Responder`: it runs as a task and completes on the connection's loop.
struct ClosureResponder: Responder {
    let handler: @Sendable (Request, RequestContext) async throws -> Response

    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        context.eventLoop.makeFutureWithTask {
            try await self.handler(request, context)
        }
    }
}
