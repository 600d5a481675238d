import JourneyConnection
import NIOCore
import NIOHTTP1

/// Stamps the Parse and Decode stages: sits right behind llhttp, so it sees each request's head and end
/// the moment the parser delivers them, before NIO's pipelining handler holds pipelined requests back.
final class HTTP1ParseTap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let timeline: ConnectionTimeline
    /// The request being parsed asks to switch protocols: llhttp parses nothing after it.
    private var switching = false

    init(timeline: ConnectionTimeline) {
        self.timeline = timeline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.timeline.headParsed()
            self.switching = head.asksToSwitchProtocols
        case .body:
            break
        case .end:
            self.timeline.bodyDecoded()
        }
        context.fireChannelRead(data)
        // After a request that switches protocols the decoder delivers raw bytes (when an upgrade takes them), not
        // request parts: the tap has nothing more to stamp and must not be in their way.
        if self.switching, case .end = Self.unwrapInboundIn(data) {
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}

@available(*, unavailable)
extension HTTP1ParseTap: Sendable {}
