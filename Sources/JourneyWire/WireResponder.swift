import NIOCore

/// A wire protocol whose every message gets its answer at once, without waiting on anything: an in-memory
/// store, a clock, a calculator. Such a protocol needs no task per connection: each read is framed, answered
/// and encoded in one pass on the event loop, and the answers leave in one write when the read is done —
/// the shape of Redis's own event loop.
///
/// Its framer must be a `NIOSingleStepByteToMessageDecoder` (one message per call, as NIOExtras'
/// `LineBasedFrameDecoder`). Everything else — limits, farewell, metrics, the dashboard — is as for any
/// `WireProtocol`; its `handle` is given, and answers the same way on the general path.
public protocol WireResponder: WireProtocol where Framer: NIOSingleStepByteToMessageDecoder {
    /// What one connection remembers between its messages (a selected database, say); `Void` if nothing.
    associatedtype Session

    /// A new connection's session.
    func makeSession(context: WireContext) -> Session

    /// The answer to `message`, computed now (the event loop waits for it: never block here).
    func respond(to message: Inbound, in session: inout Session) -> WireResponse<Outbound>
}

/// What a `WireResponder` does with a message.
public enum WireResponse<Message> {
    /// Send `Message`, then go on with the next message.
    case reply(Message)
    /// Send `Message`, then close the connection (a QUIT).
    case replyThenClose(Message)
}

extension WireResponder {
    /// The answers of `respond`, one by one (what the connection does itself in one pass per read).
    public func handle(
        _ inbound: WireInbound<Inbound>,
        _ outbound: WireOutbound<Outbound>,
        context: WireContext
    ) async throws {
        var session = self.makeSession(context: context)
        for try await message in inbound {
            switch self.respond(to: message, in: &session) {
            case .reply(let reply):
                try await outbound.write(reply)
            case .replyThenClose(let reply):
                try await outbound.write(reply)
                return
            }
        }
    }
}
