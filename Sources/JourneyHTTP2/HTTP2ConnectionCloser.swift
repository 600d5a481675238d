import Logging
import NIOCore
import NIOHTTP2

/// The end of an HTTP/2 connection's pipeline: it closes the connection when the client has stopped sending
/// (its FIN, or TLS close_notify: HTTP/2 has no half-closed connection, so nothing more can be asked) and when
/// NIOHTTP2 or TLS reports a connection error (a protocol error, a client that broke the limits), which it logs at
/// debug. A malformed request on one stream is that stream's end only.
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
        // A malformed request is a stream error (RFC 9113 §8.1.1): NIOHTTP2 has reset that stream alone, and reports
        // it here too; the client's other streams carry on.
        if Self.isMalformedMessage(error) {
            self.logger.debug("http/2 malformed request, stream reset", metadata: ["error": "\(error)"])
            return
        }
        self.logger.debug("http/2 connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    /// The errors NIOHTTP2 raises for a malformed request's fields, always as stream errors.
    private static func isMalformedMessage(_ error: any Error) -> Bool {
        switch error {
        case is NIOHTTP2Errors.MissingPseudoHeader, is NIOHTTP2Errors.DuplicatePseudoHeader,
            is NIOHTTP2Errors.PseudoHeaderAfterRegularHeader, is NIOHTTP2Errors.UnknownPseudoHeader,
            is NIOHTTP2Errors.UnsupportedPseudoHeader, is NIOHTTP2Errors.InvalidPseudoHeaders,
            is NIOHTTP2Errors.InvalidPseudoHeaderValue, is NIOHTTP2Errors.MissingHostHeader,
            is NIOHTTP2Errors.DuplicateHostHeader, is NIOHTTP2Errors.EmptyPathHeader,
            is NIOHTTP2Errors.InvalidHTTP2HeaderFieldName, is NIOHTTP2Errors.InvalidHTTP2HeaderFieldValue,
            is NIOHTTP2Errors.ForbiddenHeaderField, is NIOHTTP2Errors.TrailersWithoutEndStream,
            is NIOHTTP2Errors.ContentLengthViolated, is NIOHTTP2Errors.ContentLengthHeadersMismatch,
            is NIOHTTP2Errors.ContentLengthHeaderNegative, is NIOHTTP2Errors.ContentLengthHeaderMalformedValue:
            return true
        default:
            return false
        }
    }
}

@available(*, unavailable)
extension HTTP2ConnectionCloser: Sendable {}
