import JourneyConnection
import JourneyCore
import NIOConcurrencyHelpers
import NIOCore

/// A listener's protocol that a reload can replace: each accepted connection is configured by the protocol current
/// at its accept, so new connections get the new configuration and open ones finish with the one they began with
/// (nginx's reload, without new worker processes). The listening socket stays bound throughout.
final class ReloadableConnectionProtocol: ConnectionProtocol {
    private let current: NIOLockedValueBox<any ConnectionProtocol>

    init(_ connectionProtocol: any ConnectionProtocol) {
        self.current = NIOLockedValueBox(connectionProtocol)
    }

    /// The name of the protocol it starts with (a reload does not change what a listener speaks).
    var name: String { self.current.withLockedValue { $0.name } }

    /// New connections get `connectionProtocol` from now on.
    func replace(with connectionProtocol: any ConnectionProtocol) {
        self.current.withLockedValue { $0 = connectionProtocol }
    }

    func configure(_ channel: any Channel) throws {
        // The lock is held only to copy the reference out, never while the pipeline is built.
        try self.current.withLockedValue { $0 }.configure(channel)
    }

    func configure(_ channel: any Channel, after handshake: TLSHandshake) throws {
        try self.current.withLockedValue { $0 }.configure(channel, after: handshake)
    }
}
