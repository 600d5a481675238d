/// Builds a chain of middleware around a handler once, with the router's renderer at every boundary, so each
/// middleware's `next` returns a response and what any of them throws is rendered where it was thrown.
enum MiddlewareChain {
    static func build(
        _ middleware: [any Middleware],
        around handler: @escaping @Sendable (Request, RequestContext) async throws -> Response,
        renderer: any ErrorRenderer
    ) -> @Sendable (Request, RequestContext) async -> Response {
        var next = MiddlewareNext(handler: handler, renderer: renderer)
        for layer in middleware.reversed() { next = MiddlewareNext(layer: layer, next: next, renderer: renderer) }
        let chain = next
        return { request, context in await chain(request, context) }
    }
}
