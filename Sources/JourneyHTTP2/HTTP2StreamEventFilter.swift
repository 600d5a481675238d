import NIOCore
import NIOHTTP2

/// Passes on the close of a stream only when its opening was passed on.
///
/// swift-nio-http2 can report a stream closed that it never reported opened: a HEADERS block that fails validation
/// is answered with RST_STREAM, whose close is reported. Its inline multiplexer drops such a close; handed on as
/// events (so that the fast path sees the frames), it reaches the connection manager, whose bookkeeping asserts
/// that every closed stream was open. This keeps the events the handlers behind it see paired.
final class HTTP2StreamEventFilter: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame

    private var open = Set<HTTP2StreamID>()

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let created as NIOHTTP2StreamCreatedEvent:
            self.open.insert(created.streamID)
        case let closed as StreamClosedEvent:
            guard self.open.remove(closed.streamID) != nil else { return }
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }
}

@available(*, unavailable)
extension HTTP2StreamEventFilter: Sendable {}
