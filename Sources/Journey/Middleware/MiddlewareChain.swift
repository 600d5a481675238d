/// Builds a chain of middleware around a handler once, with the router's renderer at every boundary, so each
/// middleware's `next` returns a response and what any of them throws is rendered where it was thrown.
enum MiddlewareChain {
    static func build(
        _ middleware: [any Middleware],
        around handler: @escaping @Sendable (Request, RequestContext) async throws -> Response,
        renderer: any ErrorRenderer
    ) -> @Sendable (Request, RequestContext) async -> Response {
        var next: @Sendable (Request, RequestContext) async -> Response = { request, context in
            do {
                return try await handler(request, context)
            } catch {
                return renderer.response(for: error, to: request, context: context)
            }
        }
        for layer in middleware.reversed() {
            let inner = MiddlewareNext(next)
            next = { request, context in
                do {
                    return try await layer.respond(to: request, context: context, next: inner)
                } catch {
                    return renderer.response(for: error, to: request, context: context)
                }
            }
        }
        return next
    }
}
