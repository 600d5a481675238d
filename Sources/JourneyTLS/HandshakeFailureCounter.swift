import Logging
import NIOCore

/// Counts a handshake that failed (the error NIOSSL reports before ALPN has chosen a protocol) and closes.
///
/// It sits behind the ALPN handler until the handshake is done, when the ALPN step removes it: from then on
/// errors are the chosen protocol's.
final class HandshakeFailureCounter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let logger: Logger
    private let failed: () -> Void
    private var counted = false

    init(logger: Logger, failed: @escaping () -> Void) {
        self.logger = logger
        self.failed = failed
    }

    /// Counts the handshake as failed, once however many errors it ends with.
    func countFailure() {
        guard !self.counted else { return }
        self.counted = true
        self.failed()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.countFailure()
        self.logger.debug("TLS handshake failed", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension HandshakeFailureCounter: Sendable {}
