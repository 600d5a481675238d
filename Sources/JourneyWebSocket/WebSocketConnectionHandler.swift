import JourneyCore
import NIOCore
import NIOWebSocket

/// The connection's duties below the WebSocket session: counting frames in, pinging a quiet peer and letting go
/// of one that does not answer, and saying goodbye (1001, going away) when the server shuts down.
final class WebSocketConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let keepalive: WebSocketKeepalive
    private let recorder: JourneyRecorder?
    private var liveness = WebSocketKeepaliveStateMachine()
    private var pingTask: RepeatedTask?
    private var pongTimeout: Scheduled<Void>?

    init(keepalive: WebSocketKeepalive, recorder: JourneyRecorder?) {
        self.keepalive = keepalive
        self.recorder = recorder
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard let interval = self.keepalive.pingInterval else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let delay = TimeAmount(interval)
        self.pingTask = context.eventLoop.scheduleRepeatedTask(initialDelay: delay, delay: delay) { _ in
            let (handler, context) = loopBound.value
            handler.perform(handler.liveness.pingIntervalElapsed(), context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.stopTimers()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.stopTimers()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        self.liveness.frameReceived()
        switch frame.opcode {
        case .text, .binary, .continuation:
            self.recorder?.webSocketFrameReceived(bytes: frame.length, completesMessage: frame.fin)
        default:
            break
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // The session sees the peer's answering close as the end of its messages and finishes; a peer that never
        // answers is cut by the server's drain timeout.
        self.sendClose(.goingAway, reason: "server shutting down", context: context)
        context.fireUserInboundEventTriggered(event)
    }

    private func perform(_ action: WebSocketKeepaliveStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .sendPing(let ping):
            var payload = context.channel.allocator.buffer(capacity: 8)
            payload.writeInteger(ping)
            let frame = WebSocketFrame(fin: true, opcode: .ping, data: payload)
            context.writeAndFlush(Self.wrapOutboundOut(frame), promise: nil)
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            self.pongTimeout = context.eventLoop.scheduleTask(in: TimeAmount(self.keepalive.pongTimeout)) {
                let (handler, context) = loopBound.value
                handler.perform(handler.liveness.pongTimeoutElapsed(ping: ping), context: context)
            }
        case .close:
            // A peer that does not answer a ping will not answer a close either: say why, then go.
            self.stopTimers()
            self.sendClose(.goingAway, reason: "ping timeout", context: context)
            context.close(promise: nil)
        }
    }

    private func sendClose(_ code: WebSocketErrorCode, reason: String, context: ChannelHandlerContext) {
        var data = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: code)
        data.writeString(reason)
        context.writeAndFlush(Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
            .whenFailure { _ in }
    }

    private func stopTimers() {
        self.pingTask?.cancel()
        self.pingTask = nil
        self.pongTimeout?.cancel()
        self.pongTimeout = nil
    }
}

@available(*, unavailable)
extension WebSocketConnectionHandler: Sendable {}
