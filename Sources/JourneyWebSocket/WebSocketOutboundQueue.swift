import JourneyCore
import NIOCore
import NIOWebSocket

/// Bounds what waits to be sent on one connection, whoever writes it: the route's session or a
/// hub fanning a message out. A frame that would take what waits in the channel past `limit` meets the route's
/// `SlowConsumerPolicy`, unless nothing waits at all (so a message bigger than the limit still goes to a peer that
/// keeps up): a backlog never grows beyond the limit plus one message.
///
/// Sits behind NIO's frame encoder; frames already encoded (`EncodedFrame`) are written from the encoder's place,
/// skipping it. Nothing follows a close frame (RFC 6455 §5.5.1), whoever sent it.
final class WebSocketOutboundQueue: ChannelOutboundHandler {
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let limit: Int
    private let policy: SlowConsumerPolicy
    private let recorder: JourneyRecorder?
    private var encoderContext: ChannelHandlerContext?
    private var context: ChannelHandlerContext?
    private var sentClose = false
    /// The channel's high watermark: while it is writable, less than this waits.
    private let highWatermark: Int

    init(limit: Int, policy: SlowConsumerPolicy, highWatermark: Int, recorder: JourneyRecorder?) {
        self.limit = limit
        self.highWatermark = highWatermark
        self.policy = policy
        self.recorder = recorder
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.encoderContext = try? context.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.encoderContext = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = Self.unwrapOutboundIn(data)
        guard !self.sentClose else {
            promise?.succeed()
            return
        }
        switch frame.opcode {
        case .connectionClose:
            self.sentClose = true
        case .text, .binary, .continuation:
            guard self.admits(frame.data.readableBytes, context: context) else {
                promise?.succeed()
                return
            }
            self.recorder?.webSocketFrameSent(bytes: frame.data.readableBytes, completesMessage: frame.fin)
        default:
            break
        }
        context.write(data, promise: promise)
    }

    /// Sends a frame encoded once for many connections; on the connection's event loop.
    func deliver(_ frame: EncodedFrame) {
        guard !self.sentClose, let context = self.context, let encoder = self.encoderContext else { return }
        guard self.admits(frame.bytes.readableBytes, context: context) else { return }
        self.recorder?.webSocketFrameSent(bytes: frame.payloadLength, completesMessage: true)
        encoder.writeAndFlush(NIOAny(frame.bytes), promise: nil)
    }

    /// Whether `bytes` more fit; if not, the policy is carried out and the caller drops the frame.
    private func admits(_ bytes: Int, context: ChannelHandlerContext) -> Bool {
        // The common case costs no option lookup: a writable channel holds less than its high watermark.
        if context.channel.isWritable, self.highWatermark <= self.limit - bytes { return true }
        let waiting = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        guard waiting > 0, waiting + bytes > self.limit else { return true }
        switch self.policy {
        case .drop:
            self.recorder?.webSocketMessageDropped()
        case .disconnect:
            self.recorder?.webSocketSlowConsumerDisconnected()
            self.sentClose = true
            var reason = context.channel.allocator.buffer(capacity: 16)
            reason.write(webSocketErrorCode: .policyViolation)
            reason.writeString("slow consumer")
            // The peer is not reading, so the close handshake cannot be waited for: say why, then go.
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: reason)
            let channel = context.channel
            context.writeAndFlush(Self.wrapOutboundOut(close)).whenComplete { _ in channel.close(promise: nil) }
            channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        }
        return false
    }
}

@available(*, unavailable)
extension WebSocketOutboundQueue: Sendable {}
