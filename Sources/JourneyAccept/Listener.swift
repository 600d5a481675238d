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

    /// Creates a listener.
    package init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        backlog: Int = 511,
        acceptModel: AcceptModel = .shared,
        protocol connectionProtocol: any ConnectionProtocol
    ) {
        self.host = host
        self.port = port
        self.backlog = backlog
        self.acceptModel = acceptModel
        self.connectionProtocol = connectionProtocol
    }
}
