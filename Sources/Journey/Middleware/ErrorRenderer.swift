/// Turns what a handler or a middleware threw into the response the client gets: the one place that maps errors to
/// HTTP statuses.
///
/// The router renders at every middleware boundary, so the response passes back out through the middleware that
/// wraps the thrower. Replace it (`Router(errorRenderer:)`) to map your own error types, or to render errors in
/// another shape; the default is `ProblemDetailsRenderer`.
public protocol ErrorRenderer: Sendable {
    /// The response for `error`, thrown while answering `request`. Errors that are not the client's should be logged
    /// here (`context.logger`) and answered without their description.
    func response(for error: any Error, to request: Request, context: RequestContext) -> Response
}
