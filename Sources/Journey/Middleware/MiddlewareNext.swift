/// What a middleware wraps: the next middleware, or the route's handler at the end of the chain.
///
/// Chains are built once, when routes are added and when the server starts, so calling through a stack of
/// middleware is a series of async calls with nothing allocated per request: each link calls its middleware (or the
/// handler) directly and renders what it throws, one call per layer.
public struct MiddlewareNext: Sendable {
    private let link: Link
    private let renderer: any ErrorRenderer

    private indirect enum Link: Sendable {
        case handler(@Sendable (Request, RequestContext) async throws -> Response)
        case layer(any Middleware, MiddlewareNext)
    }

    init(handler: @escaping @Sendable (Request, RequestContext) async throws -> Response, renderer: any ErrorRenderer) {
        self.link = .handler(handler)
        self.renderer = renderer
    }

    init(layer: any Middleware, next: MiddlewareNext, renderer: any ErrorRenderer) {
        self.link = .layer(layer, next)
        self.renderer = renderer
    }

    /// Answers `request` with what this middleware wraps; errors come back rendered as responses.
    public func callAsFunction(_ request: Request, _ context: RequestContext) async -> Response {
        do {
            switch self.link {
            case .handler(let handler): return try await handler(request, context)
            case .layer(let layer, let next): return try await layer.respond(to: request, context: context, next: next)
            }
        } catch {
            return self.renderer.response(for: error, to: request, context: context)
        }
    }
}
