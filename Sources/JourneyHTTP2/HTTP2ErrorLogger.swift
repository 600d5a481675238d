import Logging
import NIOCore

/// The end of an HTTP/2 connection's pipeline: what NIOHTTP2 or TLS reports (a protocol error, a client that broke
/// the limits, a peer gone without close_notify) is logged at debug, and the connection closes.
final class HTTP2ErrorLogger: ChannelInboundHandler {
    typealias InboundIn = Never

    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("http/2 connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension HTTP2ErrorLogger: Sendable {}
