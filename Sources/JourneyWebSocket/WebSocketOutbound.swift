import NIOCore
import NIOWebSocket
import WSCore

/// Sends to the peer: messages (split into frames of the route's size), pings, and the close handshake.
///
/// Each send waits while the connection is not writable, so a handler that loops over sends runs at the peer's
/// pace; what is already queued beyond the route's `outboundQueueLimit` meets its `slowConsumerPolicy`.
public struct WebSocketOutbound: Sendable {
    let writer: WebSocketOutboundWriter
    let queue: NIOLoopBound<WebSocketOutboundQueue>

    /// The event loop that owns the connection.
    public var eventLoop: any EventLoop { self.queue.eventLoop }

    /// Identifies the connection (a hub leaves out the sender by it).
    package var connection: ObjectIdentifier { ObjectIdentifier(self.queue.value) }

    /// Sends a text or binary message.
    public func send(_ message: WebSocketMessage) async throws {
        switch message {
        case .text(let text): try await self.writer.writeTextMessage(text)
        case .binary(let bytes): try await self.writer.writeBinaryMessage(bytes)
        }
    }

    /// Sends a text message.
    public func send(text: String) async throws {
        try await self.writer.writeTextMessage(text)
    }

    /// Sends a binary message.
    public func send(binary: ByteBuffer) async throws {
        try await self.writer.writeBinaryMessage(binary)
    }

    /// Sends a frame encoded once for many connections, without waiting: for fan-out, where one slow peer must
    /// not hold up the rest. It meets the route's `slowConsumerPolicy` when the peer's queue is full.
    public func send(_ frame: EncodedFrame) {
        if self.eventLoop.inEventLoop {
            self.queue.value.deliver(frame)
        } else {
            let queue = self.queue
            self.eventLoop.execute { queue.value.deliver(frame) }
        }
    }

    /// Sends `frame` from the connection's event loop (a hub's fan-out task runs there).
    package func sendOnLoop(_ frame: EncodedFrame) {
        self.queue.value.deliver(frame)
    }

    /// Sends a ping carrying `payload` (at most 125 bytes, RFC 6455 §5.5); the peer answers with a pong.
    public func ping(_ payload: ByteBuffer = ByteBuffer()) async throws {
        precondition(payload.readableBytes <= 125, "a control frame carries at most 125 bytes")
        try await self.writer.write(.custom(WebSocketFrame(fin: true, opcode: .ping, data: payload)))
    }

    /// Starts the close handshake with `code` and `reason`; nothing more can be sent after it.
    public func close(_ code: WebSocketErrorCode = .normalClosure, reason: String? = nil) async throws {
        try await self.writer.close(code, reason: reason)
    }
}
