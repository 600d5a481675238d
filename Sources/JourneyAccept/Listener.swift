import JourneyConnection
import NIOCore

/// A listening address and what it speaks: the Accept stage's configuration.
package struct Listener: Sendable {
    /// Where its socket comes from.
    package var target: ListenTarget
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
        self.init(
            target: .address(host: host, port: port),
            backlog: backlog,
            acceptModel: acceptModel,
            protocol: connectionProtocol
        )
    }

    /// Creates a listener on `target`; a Unix socket or an inherited one is one socket whatever `acceptModel` says.
    package init(
        target: ListenTarget,
        backlog: Int,
        acceptModel: AcceptModel,
        protocol connectionProtocol: any ConnectionProtocol
    ) {
        self.target = target
        self.backlog = backlog
        self.acceptModel = acceptModel
        self.connectionProtocol = connectionProtocol
    }
}
