import JourneyCore
import Logging
import NIOCore

/// What a WebSocket handler knows about its connection: the upgrade request, who sent it and what was agreed.
public struct WebSocketRequestContext: Sendable {
    /// The upgrade request: its path, query and header fields (cookies, tokens) as they arrived.
    public var request: Request
    /// The peer's address, when the transport has one.
    public var remoteAddress: SocketAddress?
    /// The subprotocol both sides agreed on (`Sec-WebSocket-Protocol`), if any.
    public var subprotocol: String?
    /// Carries the connection's metadata.
    public var logger: Logger
    /// The event loop that owns the connection; the handler runs on it.
    public var eventLoop: any EventLoop

    /// Creates a context; the upgrader builds one per connection, tests build them by hand.
    public init(
        request: Request,
        remoteAddress: SocketAddress?,
        subprotocol: String?,
        logger: Logger,
        eventLoop: any EventLoop
    ) {
        self.request = request
        self.remoteAddress = remoteAddress
        self.subprotocol = subprotocol
        self.logger = logger
        self.eventLoop = eventLoop
    }
}
