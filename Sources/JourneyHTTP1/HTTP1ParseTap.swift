import JourneyConnection
import NIOCore
import NIOHTTP1

/// Stamps the Parse and Decode stages: sits right behind llhttp, so it sees each request's head and end
/// the moment the parser delivers them, before NIO's pipelining handler holds pipelined requests back.
final class HTTP1ParseTap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let timeline: ConnectionTimeline

    init(timeline: ConnectionTimeline) {
        self.timeline = timeline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head: self.timeline.headParsed()
        case .body: break
        case .end: self.timeline.bodyDecoded()
        }
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension HTTP1ParseTap: Sendable {}
