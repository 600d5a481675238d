import JourneyCore
import NIOCore

/// A listener behind a load balancer: its connections get a `ClientAddressHandler` in front of the protocol they
/// speak (TLS included), so the client's own address is known however the balancer passes it on.
package struct ProxiedConnection: ConnectionProtocol {
    /// The protocol behind the handler.
    package let inner: any ConnectionProtocol
    /// Whom to believe.
    package let trustedProxies: TrustedProxies
    /// Whether connections start with a PROXY protocol header.
    package let readsProxyHeader: Bool

    /// `inner`, its clients named by `trustedProxies` (and by a PROXY header first, with `readsProxyHeader`).
    package init(_ inner: any ConnectionProtocol, trustedProxies: TrustedProxies, readsProxyHeader: Bool) {
        self.inner = inner
        self.trustedProxies = trustedProxies
        self.readsProxyHeader = readsProxyHeader
    }

    package var name: String { self.inner.name }

    package func configure(_ channel: any Channel) throws {
        let handler = ClientAddressHandler(trustedProxies: self.trustedProxies, readsProxyHeader: self.readsProxyHeader)
        try channel.pipeline.syncOperations.addHandler(handler)
        try self.inner.configure(channel)
    }
}
