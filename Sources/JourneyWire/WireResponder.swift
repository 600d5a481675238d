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

    /// `respond`, then the encoder: `message`'s answer, written into `buffer`.
    ///
    /// Given: not one to write yourself. It is a requirement so that each protocol gets a copy compiled for
    /// its own types. The connection calls it once per message through the protocol; code generic over the
    /// protocol would instead look up `WireResponse<Outbound>`'s layout at run time on every message.
    func answer(
        _ message: Inbound,
        in session: inout Session,
        encodingWith encoder: Encoder,
        into buffer: inout ByteBuffer
    ) throws -> WireAfterAnswer
}

/// What a connection does once a message's answer is encoded: what a `WireResponse` says, without its message.
public enum WireAfterAnswer: Sendable {
    /// Go on with the next message.
    case readOn
    /// Close once the answer is written.
    case close
}

/// What a `WireResponder` does with a message.
public enum WireResponse<Message> {
    /// Send `Message`, then go on with the next message.
    case reply(Message)
    /// Send `Message`, then close the connection (a QUIT).
    case replyThenClose(Message)
}

extension WireResponder {
    /// `respond`, then the encoder.
    @inlinable
    public func answer(
        _ message: Inbound,
        in session: inout Session,
        encodingWith encoder: Encoder,
        into buffer: inout ByteBuffer
    ) throws -> WireAfterAnswer {
        switch self.respond(to: message, in: &session) {
        case .reply(let reply):
            try encoder.encode(data: reply, out: &buffer)
            return .readOn
        case .replyThenClose(let reply):
            try encoder.encode(data: reply, out: &buffer)
            return .close
        }
    }

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
