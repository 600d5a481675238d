import JourneyConnection
import NIOCore

/// A listening address and what it speaks: the Accept stage's configuration.
package struct Listener: Sendable {
    /// The host or address to bind (`127.0.0.1`, `::`, `localhost`).
    package var host: String
    /// The port; 0 lets the kernel pick one (see `BoundListener.port`).
    package var port: Int
    /// The accept queue's length (listen(2) backlog).
    package var backlog: Int
    /// Shared socket or one socket per loop.
    package var acceptModel: AcceptModel
    /// The protocol every accepted connection speaks.
    package var connectionProtocol: any ConnectionProtocol

    /// Creates a listener (the server's defaults are `Configuration`'s).
    package init(
        host: String,
        port: Int,
        backlog: Int,
        acceptModel: AcceptModel,
        protocol connectionProtocol: any ConnectionProtocol
    ) {
        self.host = host
        self.port = port
        self.backlog = backlog
        self.acceptModel = acceptModel
        self.connectionProtocol = connectionProtocol
    }
}
