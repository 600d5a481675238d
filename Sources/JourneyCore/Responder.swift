import NIOCore

/// Turns a request into a response: the Process stage.
///
/// The requirement returns an `EventLoopFuture` so that built-in handlers (static files) answer from
/// the event loop without a task hop; closures written with async/await are adapted by the router.
public protocol Responder: Sendable {
    /// Answers `request`; the future must complete on `context.eventLoop`.
    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response>

    /// The refusal `request`'s head alone earns (405 for a method nothing here takes), asked before its body is
    /// read; nil (the default) reads the body and lets `respond(to:context:)` decide.
    ///
    /// A client should not have to upload megabytes to learn that the method is not allowed: its body is then
    /// discarded and the connection drained and closed (nginx's static module answers the same way). Answer only
    /// what the body could not change.
    func refusal(of request: Request) -> HTTPError?

    /// How `request`'s body is taken, asked once its head has arrived (and only when a body follows): collected
    /// within the server's limit (the default), or as the route says.
    func bodyPolicy(for request: Request) -> RequestBodyPolicy
}

extension Responder {
    /// Nil: the body is read and `respond(to:context:)` decides.
    public func refusal(of request: Request) -> HTTPError? { nil }

    /// Collected, within the server's limit.
    public func bodyPolicy(for request: Request) -> RequestBodyPolicy { .collected() }
}
