import Logging
import NIOCore

/// The end of an HTTP/2 connection's pipeline: it closes the connection when the client has stopped sending
/// (its FIN, or TLS close_notify: HTTP/2 has no half-closed connection, so nothing more can be asked) and when
/// NIOHTTP2 or TLS reports an error (a protocol error, a client that broke the limits), which it logs at debug.
final class HTTP2ConnectionCloser: ChannelInboundHandler {
    typealias InboundIn = Never

    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("http/2 connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension HTTP2ConnectionCloser: Sendable {}
