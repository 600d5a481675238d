import JourneyCore
import NIOCore
import NIOHTTP1

/// Answers a request the parser refused with the status that fits, then closes (nginx's behaviour).
///
/// NIO's own `HTTPServerProtocolErrorHandler` answers every parse error with 400; this one tells a
/// too-large header section (431), an unknown method (501) and an over-long request line (414) apart.
final class HTTP1ErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let lineGuard: RequestLineGuard
    private var hasUnterminatedResponse = false
    private var closing = false

    init(lineGuard: RequestLineGuard) {
        self.lineGuard = lineGuard
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        var status = self.lineGuard.tripped ? .uriTooLong : Self.status(for: parserError)
        if status == .httpVersionNotSupported && self.lineGuard.sawBareLineFeed { status = .badRequest }
        if status == .notImplemented && !self.lineGuard.methodIsToken { status = .badRequest }
        guard !self.closing else { return }  // the response in hand already closes the connection
        self.closing = true
        // We can only send an error response if another response has not started yet; otherwise the
        // close alone tells the client that its request was not understood.
        guard !self.hasUnterminatedResponse else {
            context.close(promise: nil)
            return
        }
        let body = ByteBuffer(string: ErrorPage.html(code: Int(status.code), reasonPhrase: status.reasonPhrase))
        var headers = HTTPHeaders()
        headers.add(name: "Server", value: "journey")
        headers.add(name: "Date", value: DateHeader.now)
        headers.add(name: "Content-Type", value: "text/html; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch Self.unwrapOutboundIn(data) {
        case .head(let head) where (100..<200).contains(head.status.code) && head.status != .switchingProtocols: break
        case .head(let head):
            self.hasUnterminatedResponse = true
            // The connection closes after this response: whatever the client sends meanwhile gets no answer.
            if head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) {
                self.closing = true
            }
        case .body: break
        case .end: self.hasUnterminatedResponse = false
        }
        context.write(data, promise: promise)
    }

    /// The status for each llhttp error.
    static func status(for error: HTTPParserError) -> HTTPResponseStatus {
        switch error {
        case .headerOverflow: return .requestHeaderFieldsTooLarge
        case .invalidMethod: return .notImplemented
        case .invalidVersion: return .httpVersionNotSupported
        default: return .badRequest
        }
    }
}

@available(*, unavailable)
extension HTTP1ErrorHandler: Sendable {}
