import NIOCore

/// Turns a request into a response: the Process stage.
///
/// The requirement returns an `EventLoopFuture` so that built-in handlers (static files) answer from
/// the event loop without a task hop; closures written with async/await are adapted by the router.
public protocol Responder: Sendable {
    /// Answers `request`; the future must complete on `context.eventLoop`.
    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response>
}
