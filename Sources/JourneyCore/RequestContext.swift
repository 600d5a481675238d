import Logging
import NIOCore

/// What a handler may know about the connection a request arrived on.
public struct RequestContext: Sendable {
    /// The event loop that owns the connection; responses complete on it.
    public var eventLoop: any EventLoop
    /// The peer's address, when the transport has one.
    public var remoteAddress: SocketAddress?
    /// A logger carrying the connection's metadata.
    public var logger: Logger

    /// Creates a context; the connection builds one per request.
    public init(eventLoop: any EventLoop, remoteAddress: SocketAddress?, logger: Logger) {
        self.eventLoop = eventLoop
        self.remoteAddress = remoteAddress
        self.logger = logger
    }
}
