import NIOCore

/// Pairs a RESP client's commands with their replies, in order, and hands on what the server sends unasked (a
/// RESP3 push, or a RESP2 subscriber connection's messages).
final class RESPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = Command
    typealias OutboundOut = ByteBuffer

    /// A command to write; its reply completes `reply` (nil for a command answered by pushes, as SUBSCRIBE is).
    struct Command: Sendable {
        let arguments: [ByteBuffer]
        let reply: EventLoopPromise<RESPValue>?
    }

    private var waiting = CircularBuffer<EventLoopPromise<RESPValue>>()
    private let pushes: @Sendable (RESPValue) -> Void

    init(pushes: @escaping @Sendable (RESPValue) -> Void) {
        self.pushes = pushes
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let command = self.unwrapOutboundIn(data)
        var bytes = context.channel.allocator.buffer(
            capacity: 16 + command.arguments.reduce(0) { $0 + $1.readableBytes + 16 }
        )
        RESPReply.array(command.arguments.map { .bulk($0) }).write(to: &bytes)
        if let reply = command.reply { self.waiting.append(reply) }
        context.write(self.wrapOutboundOut(bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = self.unwrapInboundIn(data)
        if case .push = value {
            self.pushes(value)
        } else if let reply = self.waiting.popFirst() {
            if case .error(let message) = value {
                reply.fail(RESPServerError(message: message))
            } else {
                reply.succeed(value)
            }
        } else {
            self.pushes(value)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failWaiting(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A server that is not speaking RESP, or a broken connection: nothing more it says can be trusted.
        self.failWaiting(error)
        context.close(promise: nil)
    }

    private func failWaiting(_ error: any Error) {
        while let reply = self.waiting.popFirst() { reply.fail(error) }
    }
}
