import NIOCore
import NIOWebSocket

/// The dashboard's WebSocket (`/_journey/live`): a JSON snapshot every 500 ms, server to browser.
///
/// A snapshot is skipped while the connection is not writable, so a stalled browser costs one snapshot of
/// memory, never a queue of them, and one that stays stalled for 30 s is disconnected. Pings are answered;
/// a close frame is echoed and the connection closed; on shutdown the feed closes with 1001 (going away).
final class DashboardFeed: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let snapshot: @Sendable () -> String
    private let interval: TimeAmount
    private var task: RepeatedTask?
    private var closing = false
    /// How long the browser may not read before it is taken for gone and the connection closed.
    private let stallLimit: TimeAmount
    /// Snapshots skipped in a row because the connection was not writable.
    private var skipped: Int64 = 0

    init(
        interval: TimeAmount = .milliseconds(500),
        stallLimit: TimeAmount = .seconds(30),
        snapshot: @escaping @Sendable () -> String
    ) {
        self.interval = interval
        self.stallLimit = stallLimit
        self.snapshot = snapshot
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        self.task = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: self.interval) { _ in
            let (feed, context) = loopBound.value
            feed.send(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.task?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.task?.cancel()
        context.fireChannelInactive()
    }

    private func send(context: ChannelHandlerContext) {
        guard !self.closing, context.channel.isActive else { return }
        guard context.channel.isWritable else {
            // A browser that stopped reading (or vanished without a reset) is let go after the stall limit.
            // Counted in ticks of the feed's own timer, so it follows the event loop's clock.
            self.skipped += 1
            if self.interval.nanoseconds * self.skipped > self.stallLimit.nanoseconds { context.close(promise: nil) }
            return
        }
        self.skipped = 0
        let text = context.channel.allocator.buffer(string: self.snapshot())
        context.writeAndFlush(Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: text)), promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Shutdown: say goodbye (1001, going away) rather than keep the drain waiting.
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        guard !self.closing else { return }
        self.closing = true
        self.task?.cancel()
        var code = context.channel.allocator.buffer(capacity: 2)
        code.writeInteger(UInt16(1001))
        let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: code)
        context.writeAndFlush(Self.wrapOutboundOut(close)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        switch frame.opcode {
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(Self.wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            guard !self.closing else {
                context.close(promise: nil)
                return
            }
            self.closing = true
            self.task?.cancel()
            // RFC 6455 §5.5.1: echo the status code, then close.
            var data = frame.unmaskedData
            let code = data.readSlice(length: 2) ?? context.channel.allocator.buffer(capacity: 0)
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: code)
            context.writeAndFlush(Self.wrapOutboundOut(close)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        default:
            break  // the feed is one-way; what the browser sends is ignored
        }
    }
}

@available(*, unavailable)
extension DashboardFeed: Sendable {}

/// Where the dashboard feed lives and how an upgraded channel becomes one.
package enum DashboardFeedChannel {
    /// The path of the feed.
    package static let path = "/_journey/live"

    /// Adds the feed to an upgraded WebSocket channel; `snapshot` makes each message. On the channel's loop.
    package static func configure(_ channel: any Channel, snapshot: @escaping @Sendable () -> String) throws {
        try channel.pipeline.syncOperations.addHandler(DashboardFeed(snapshot: snapshot))
    }
}
