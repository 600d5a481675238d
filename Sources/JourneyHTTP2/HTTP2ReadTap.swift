import JourneyConnection
import NIOCore

/// Stamps each read from the socket (or TLS) before NIOHTTP2 parses it: a stream's head that arrives in
/// that read starts its journey there.
final class HTTP2ReadTap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let timeline: ConnectionTimeline

    init(timeline: ConnectionTimeline) {
        self.timeline = timeline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.timeline.readStarted()
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension HTTP2ReadTap: Sendable {}
