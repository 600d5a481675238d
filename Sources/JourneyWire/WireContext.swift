import Logging
import NIOCore

/// What a wire protocol's handler knows of its connection.
public struct WireContext: Sendable {
    /// The peer's address.
    public let remoteAddress: SocketAddress?
    /// The address the peer connected to.
    public let localAddress: SocketAddress?
    /// The event loop the connection (and its handler's task) runs on.
    public let eventLoop: any EventLoop
    /// A logger with the protocol and the peer in its metadata.
    public let logger: Logger
}
