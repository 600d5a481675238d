import JourneyCore
import NIOCore

/// What a listener speaks: it turns a freshly accepted channel into a connection of its protocol.
///
/// The listener never changes when a protocol is added: HTTP/1 is one conformance, a user's own wire
/// protocol another, and TLS a decorator that wraps any of them.
public protocol ConnectionProtocol: Sendable {
    /// What the listener speaks, as the dashboard, the metrics and ALPN name it (`http/1.1`, `h2`, `resp`).
    var name: String { get }

    /// Adds the protocol's handlers to `channel`'s pipeline. Called on the channel's event loop.
    func configure(_ channel: any Channel) throws

    /// Adds the protocol's handlers behind a finished TLS handshake, whose timing and agreement the
    /// protocol's journey carries. Called on the channel's event loop.
    func configure(_ channel: any Channel, after handshake: TLSHandshake) throws
}

extension ConnectionProtocol {
    /// A protocol that does not record the handshake sets itself up as on a plain connection.
    public func configure(_ channel: any Channel, after handshake: TLSHandshake) throws {
        try self.configure(channel)
    }
}
