import HTTPTypes
import JourneyCore
import NIOCore

/// Learns who the client is when a trusted proxy stands between it and the server: from the PROXY protocol
/// header the proxy puts before the connection's bytes (`--proxy-protocol`), and per request from the
/// `Forwarded` or `X-Forwarded-For` it adds. The request handlers ask it, through `clientAddress(of:fields:)`,
/// for what the access log, the journey log, the dashboard and `RequestContext.remoteAddress` show.
///
/// First in the pipeline (before TLS: the header is in the clear); once the header is read it passes bytes on.
package final class ClientAddressHandler: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = ByteBuffer
    package typealias InboundOut = ByteBuffer

    /// Whom to believe.
    package let trustedProxies: TrustedProxies
    /// Whether the connection starts with a PROXY protocol header (which it then must).
    package let readsProxyHeader: Bool
    /// The address the PROXY header named; nil before it, or for a `LOCAL` header (the proxy's own check).
    private var proxiedAddress: SocketAddress?
    private var pending: ByteBuffer?
    private var headerRead: Bool

    /// A handler believing `trustedProxies`; with `readsProxyHeader`, every connection must start with a
    /// PROXY protocol header, and only from a trusted proxy.
    package init(trustedProxies: TrustedProxies, readsProxyHeader: Bool) {
        self.trustedProxies = trustedProxies
        self.readsProxyHeader = readsProxyHeader
        self.headerRead = !readsProxyHeader
    }

    package func channelActive(context: ChannelHandlerContext) {
        // A header is believed only from a proxy: anyone else could claim to be any client.
        if self.readsProxyHeader, !self.trustedProxies.trust(context.channel.remoteAddress) {
            context.close(promise: nil)
            return
        }
        context.fireChannelActive()
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive, self.readsProxyHeader, !self.trustedProxies.trust(context.channel.remoteAddress) {
            context.close(promise: nil)
        }
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.headerRead else {
            context.fireChannelRead(data)
            return
        }
        var bytes = self.unwrapInboundIn(data)
        if var pending = self.pending {
            pending.writeBuffer(&bytes)
            bytes = pending
        }
        do {
            guard let header = try ProxyProtocolHeader.read(from: &bytes) else {
                self.pending = bytes
                return
            }
            self.pending = nil
            self.headerRead = true
            self.proxiedAddress = header.source
            if bytes.readableBytes > 0 { context.fireChannelRead(self.wrapInboundOut(bytes)) }
        } catch {
            self.pending = nil
            context.close(promise: nil)
        }
    }

    /// The client a request with `fields` on `channel` came from.
    package func clientAddress(of channel: any Channel, fields: HTTPFields) -> SocketAddress? {
        let peer = self.proxiedAddress ?? channel.remoteAddress
        return self.trustedProxies.client(of: peer, fields: fields)
    }

    /// The handler in `channel`'s pipeline (an HTTP/2 stream's connection is its parent); nil when clients are not
    /// behind proxies. Called on the channel's loop.
    package static func find(in channel: any Channel) -> ClientAddressHandler? {
        try? channel.pipeline.syncOperations.handler(type: ClientAddressHandler.self)
    }
}
