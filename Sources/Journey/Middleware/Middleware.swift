/// Wraps what answers a request: it may look at or change the request and its context before `next`, answer on
/// its own without calling `next`, or change the response `next` gave.
///
/// Added to a router it wraps everything the router serves (routes, the folder behind it, 404s and 405s); added to
/// a group or a route, only those. `next` never throws: what the handler or an inner middleware threw has already
/// been rendered by the router's `ErrorRenderer`, so a middleware that adds fields (CORS, `X-Request-ID`) adds them
/// to error responses too. What a middleware throws itself is rendered the same way.
///
/// ```swift
/// struct Timing: Middleware {
///     func respond(to request: Request, context: RequestContext, next: MiddlewareNext) async throws -> Response {
///         let start = ContinuousClock.now
///         var response = await next(request, context)
///         response.head.headerFields[HTTPField.Name("X-Elapsed")!] = "\(ContinuousClock.now - start)"
///         return response
///     }
/// }
/// ```
public protocol Middleware: Sendable {
    /// Answers `request`, calling `next` for what it wraps.
    func respond(to request: Request, context: RequestContext, next: MiddlewareNext) async throws -> Response
}
