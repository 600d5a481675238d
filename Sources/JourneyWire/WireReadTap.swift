import NIOCore

/// The Read stage of a wire protocol's connection: in front of the framer, it tells the connection's
/// `WireChannelHandler` of every read (the journey's read stamp and the idle clock), bytes untouched.
final class WireReadTap: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let arrived: () -> Void

    init(arrived: @escaping () -> Void) {
        self.arrived = arrived
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.arrived()
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension WireReadTap: Sendable {}
