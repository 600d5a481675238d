/// What a middleware wraps: the next middleware, or the route's handler at the end of the chain.
///
/// Chains are built once, when routes are added and when the server starts, so calling through a stack of
/// middleware is a series of async calls with nothing allocated per request.
public struct MiddlewareNext: Sendable {
    private let next: @Sendable (Request, RequestContext) async -> Response

    init(_ next: @escaping @Sendable (Request, RequestContext) async -> Response) {
        self.next = next
    }

    /// Answers `request` with what this middleware wraps; errors come back rendered as responses.
    public func callAsFunction(_ request: Request, _ context: RequestContext) async -> Response {
        await self.next(request, context)
    }
}
