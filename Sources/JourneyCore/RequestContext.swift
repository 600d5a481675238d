import Logging
import NIOCore

/// What a handler may know about the connection a request arrived on.
public struct RequestContext: Sendable {
    /// The connection's channel.
    public var channel: any Channel
    /// A logger carrying the connection's metadata.
    public var logger: Logger

    /// Creates a context; the connection builds one per request.
    public init(channel: any Channel, logger: Logger) {
        self.channel = channel
        self.logger = logger
    }

    /// The event loop that owns the connection; responses complete on it.
    public var eventLoop: any EventLoop { self.channel.eventLoop }

    /// The peer's address, when the transport has one (looked up only when asked: it takes a lock).
    public var remoteAddress: SocketAddress? { self.channel.remoteAddress }
}
