import NIOCore
import NIOWebSocket

/// Sends to the peer, for a route whose handler runs as a task: messages, pings, and the close handshake.
///
/// Each send waits while the connection is not writable, so a handler that loops over sends runs at the peer's
/// pace; what is already queued beyond the route's `outboundQueueLimit` meets its `slowConsumerPolicy`.
public struct WebSocketOutbound: Sendable {
    /// The connection, for what the callback style can do too.
    public let socket: WebSocket

    /// The event loop that owns the connection.
    public var eventLoop: any EventLoop { self.socket.eventLoop }

    /// Identifies the connection (a hub leaves out the sender by it).
    package var connection: ObjectIdentifier { ObjectIdentifier(self.socket) }

    /// Sends a text or binary message once the connection is writable; throws if it is closing.
    public func send(_ message: WebSocketMessage) async throws {
        try await self.socket.sendWhenWritable(message).get()
    }

    /// Sends a text message.
    public func send(text: String) async throws {
        try await self.send(.text(text))
    }

    /// Sends a binary message.
    public func send(binary: ByteBuffer) async throws {
        try await self.send(.binary(binary))
    }

    /// Sends a frame encoded once for many connections, without waiting: for fan-out, where one slow peer must
    /// not hold up the rest. It meets the route's `slowConsumerPolicy` when the peer's queue is full.
    public func send(_ frame: EncodedFrame) {
        self.socket.send(frame)
    }

    /// Sends a ping carrying `payload` (at most 125 bytes, RFC 6455 §5.5); the peer answers with a pong.
    public func ping(_ payload: ByteBuffer = ByteBuffer()) async throws {
        self.socket.ping(payload)
    }

    /// Starts the close handshake with `code` and `reason`; nothing more can be sent after it.
    public func close(_ code: WebSocketErrorCode = .normalClosure, reason: String? = nil) async throws {
        self.socket.close(code, reason: reason ?? "")
    }
}

extension WebSocketOutbound: PubSubSubscriber {
    package func sendOnLoop(_ frame: EncodedFrame) {
        self.socket.sendOnLoop(frame)
    }
}
