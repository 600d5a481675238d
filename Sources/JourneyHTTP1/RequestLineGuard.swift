import JourneyConnection
import NIOCore
import NIOHTTP1

/// Stamps each read on the connection's timeline, and refuses a request line longer than the limit with 414 before the parser has buffered it all.
///
/// llhttp counts the target against the header-section limit only, which would answer 431; nginx
/// answers an over-long request line with 414. This tap sees the bytes before the parser and watches
/// the first line of each request and re-arms when the request handler reports a request complete.
/// A pipelined request that starts in the same read as the previous one ends is left to the header
/// limit (431): the tap cannot see message boundaries without parsing, and that is the parser's job.
final class RequestLineGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let maximumLength: Int
    /// Set once the limit was crossed, so the error handler can answer 414 rather than 400.
    private(set) var tripped = false
    /// Set when a request line ended in a bare LF, which llhttp reports as a bad version; the answer is 400.
    private(set) var sawBareLineFeed = false
    /// Whether the current request line starts with a well-formed method token and a space: llhttp calls every
    /// method it does not know invalid, but only a well-formed unknown method is 501; garbage is 400.
    var methodIsToken: Bool { self.method == .token }
    private var method = Method.reading(length: 0)
    private var watching = true
    private var lineLength = 0
    /// The last byte of the line seen so far, so a CRLF split between two reads is not taken for a bare LF.
    private var lastByte: UInt8?

    /// The method, read byte by byte as reads arrive (the same answer however the line was split).
    private enum Method: Equatable {
        case reading(length: Int)
        case token
        case notToken
    }
    private let timeline: ConnectionTimeline

    init(maximumLength: Int, timeline: ConnectionTimeline) {
        self.maximumLength = maximumLength
        self.timeline = timeline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.timeline.bytesArrived()
        if self.watching {
            let bytes = Self.unwrapInboundIn(data).readableBytesView
            if case .reading = self.method { self.readMethod(bytes) }
            let newline = bytes.firstIndex(of: UInt8(ascii: "\n"))
            if let newline {
                self.lineLength += newline - bytes.startIndex
                self.watching = false
                let before = newline == bytes.startIndex ? self.lastByte : bytes[newline - 1]
                if before != UInt8(ascii: "\r") { self.sawBareLineFeed = true }
            } else {
                self.lineLength += bytes.count
            }
            self.lastByte = bytes.last ?? self.lastByte
            if self.lineLength > self.maximumLength {
                self.watching = false
                self.tripped = true
                // Raised as a parser error so that NIO's pipelining handler orders the answer after any
                // response still in flight, exactly as it does for llhttp's own errors.
                context.fireErrorCaught(HTTPParserError.invalidURL)
                return
            }
        }
        context.fireChannelRead(data)
    }

    private func readMethod(_ bytes: ByteBufferView) {
        guard case .reading(var length) = self.method else { return }
        for byte in bytes {
            if byte == UInt8(ascii: " ") {
                self.method = length > 0 ? .token : .notToken
                return
            }
            guard byte.isHTTPTokenCharacter else {
                self.method = .notToken
                return
            }
            length += 1
        }
        self.method = .reading(length: length)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // NIO's pipelining handler closes an idle connection on quiesce at once, even while the last
        // response's bytes are still queued (sendfile of a large file); the request handler drains instead.
        if event is ChannelShouldQuiesceEvent {
            context.fireUserInboundEventTriggered(HTTP1DrainEvent())
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// The next bytes start a new request line.
    func rearm() {
        self.watching = true
        self.lineLength = 0
        self.method = .reading(length: 0)
        self.lastByte = nil
    }
}

@available(*, unavailable)
extension RequestLineGuard: Sendable {}

/// Shutdown asks this connection to finish the response in hand, then close.
struct HTTP1DrainEvent {}
