import NIOCore

/// A whole WebSocket message, as a handler receives and sends it: fragments joined, inflated, text checked.
public enum WebSocketMessage: Sendable, Equatable {
    /// A text message (valid UTF-8, which the session checked).
    case text(String)
    /// A binary message.
    case binary(ByteBuffer)
}
