import JourneyCore
import NIOCore
import NIOWebSocket

/// One WebSocket connection's session, on its event loop: frames from NIO's decoder go through the session's state
/// machine, whole messages to the route's callbacks (or, for a route that asked for a task, into its
/// `WebSocketInbound`), and sends, pings, the close handshake, keepalive and the 1001 on shutdown go out from here.
///
/// It sits last in the pipeline, behind NIO's frame codec, and bounds what waits for a slow peer
/// (`WebSocketOutboundLimit`) whoever sends: the route, or a hub writing a frame encoded once for all its subscribers
/// from the encoder's place. Nothing follows a close frame (RFC 6455 §5.5.1). Nothing here allocates per connection
/// beyond the handler itself and, when the route asks, its task's stream.
final class WebSocketSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// What the route registered.
    struct Callbacks {
        var text: ((WebSocket, String) -> Void)?
        var binary: ((WebSocket, ByteBuffer) -> Void)?
        var close: ((WebSocket, WebSocketErrorCode?) -> Void)?
        var writable: ((WebSocket) -> Void)?
        /// The session failed the connection (a task's messages end with the error).
        var failed: ((WebSocketClosedError) -> Void)?
    }

    /// How long the server waits for the peer's answer to its close before it closes the connection anyway.
    static let closeTimeout = TimeAmount.seconds(10)
    /// Messages shorter than this go uncompressed even when deflate was agreed: zlib's cost is not worth it.
    static let minimumCompressedSize = 256

    var callbacks = Callbacks()
    private var machine: WebSocketSessionStateMachine
    private let keepalive: WebSocketKeepalive
    private let recorder: JourneyRecorder?
    /// Let go once run: what it captured (the upgrade request) is not kept for the connection's life.
    private var start: ((WebSocket) -> Void)?
    private var socket: WebSocket?
    private var context: ChannelHandlerContext?
    /// The frame encoder's context: messages are framed here (`EncodedFrame`) and written from there, skipping it.
    private var encoderContext: ChannelHandlerContext?
    private let outbound: WebSocketOutboundLimit
    /// A close frame went out: nothing more does.
    private var sentClose = false
    private var liveness = WebSocketKeepaliveStateMachine()
    private var pingTask: RepeatedTask?
    private var pongTimeout: Scheduled<Void>?
    private var closeTimeout: Scheduled<Void>?
    /// Sends from a task waiting for the connection to become writable, in order. An array, not a `CircularBuffer`:
    /// an empty one allocates nothing, and most connections never wait (a CircularBuffer is 0.6 KiB up front).
    private var waiting: [(WebSocketMessage, EventLoopPromise<Void>)] = []
    /// A task's handler has enough messages: reads are held back, and one is owed once it wants more.
    private var holdsReads = false
    private var owesRead = false

    /// A session for a route with `options`; `start` runs once the handler is in place (the route's setup closure,
    /// or the start of its task).
    init(
        options: WebSocketOptions,
        deflate: PerMessageDeflateAgreement?,
        highWatermark: Int,
        recorder: JourneyRecorder?,
        start: @escaping (WebSocket) -> Void
    ) {
        self.machine = WebSocketSessionStateMachine(
            maximumMessageSize: options.maximumMessageSize,
            deflate: deflate.map(PerMessageDeflate.init)
        )
        self.keepalive = options.keepalive
        self.recorder = recorder
        self.start = start
        self.outbound = WebSocketOutboundLimit(
            limit: options.outboundQueueLimit,
            policy: options.slowConsumerPolicy,
            highWatermark: highWatermark
        )
    }

    /// Whether the channel takes more without queueing past its high watermark.
    var isWritable: Bool { self.context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.encoderContext = try? context.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        if let interval = self.keepalive.pingInterval {
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let delay = TimeAmount(interval)
            self.pingTask = context.eventLoop.scheduleRepeatedTask(initialDelay: delay, delay: delay) { _ in
                let handler = loopBound.value
                handler.keepAlive(handler.liveness.pingIntervalElapsed())
            }
        }
        let socket = WebSocket(session: self, eventLoop: context.eventLoop)
        self.socket = socket
        let start = self.start
        self.start = nil
        start?(socket)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.end()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.end()
        context.fireChannelInactive()
    }

    /// The connection is gone: timers stop, waiting sends fail, the route hears of it once, and the socket lets go
    /// of this handler (and the callbacks, which may hold the socket).
    private func end() {
        guard let socket = self.socket else { return }
        self.socket = nil
        self.machine.connectionClosed()
        self.pingTask?.cancel()
        self.pongTimeout?.cancel()
        self.closeTimeout?.cancel()
        let waiting = self.waiting
        self.waiting = []
        for (_, promise) in waiting { promise.fail(ChannelError.ioOnClosedChannel) }
        let callbacks = self.callbacks
        self.callbacks = Callbacks()
        self.context = nil
        self.encoderContext = nil
        callbacks.close?(socket, self.machine.peerCloseCode)
        socket.detach()
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
        switch self.machine.receive(frame) {
        case .none:
            break
        case .deliver(let message):
            guard let socket = self.socket else { return }
            switch message {
            case .text(let text): self.callbacks.text?(socket, text)
            case .binary(let bytes): self.callbacks.binary?(socket, bytes)
            }
        case .pong(let payload):
            self.writeControl(.pong, payload, context: context)
        case .echoClose(let code):
            var payload = context.channel.allocator.buffer(capacity: 2)
            if let code { payload.write(webSocketErrorCode: code) }
            self.sendCloseFrame(payload, context: context, thenClose: true)
        case .fail(let code, let reason):
            self.callbacks.failed?(WebSocketClosedError(code: code, reason: reason))
            self.sendCloseFrame(
                Self.closePayload(code, reason, context.channel.allocator),
                context: context,
                thenClose: true
            )
        case .hangUp:
            context.close(promise: nil)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            while context.channel.isWritable, !self.waiting.isEmpty {
                let (message, promise) = self.waiting.removeFirst()
                self.send(message, promise: promise)
            }
            if let socket = self.socket, self.waiting.isEmpty { self.callbacks.writable?(socket) }
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // NIO's protocol error handler has already sent the close for a frame the decoder refused (1002, 1009).
        // It closes the connection once that frame is written; closing here could drop the frame.
        self.machine.connectionClosed()
        if let error = error as? NIOWebSocketError {
            let code: WebSocketErrorCode = error == .invalidFrameLength ? .messageTooLarge : .protocolError
            self.callbacks.failed?(WebSocketClosedError(code: code, reason: "\(error)"))
        } else {
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            // The peer sent its FIN without a close frame: nothing more can arrive, so neither can its answer.
            self.machine.connectionClosed()
            context.close(promise: nil)
        } else if event is ChannelShouldQuiesceEvent {
            // The peer's answering close ends the session; a peer that never answers is cut by the close timeout.
            self.close(.goingAway, reason: "server shutting down")
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        guard self.holdsReads else {
            context.read()
            return
        }
        self.owesRead = true
    }

    /// A task's handler has `enough` messages waiting (or wants more): reading stops (or resumes).
    func holdReads(_ enough: Bool) {
        self.holdsReads = enough
        if !enough, self.owesRead, let context = self.context {
            self.owesRead = false
            context.read()
        }
    }

    // MARK: Sending

    /// Sends `message` now (a callback's send): framed here into one buffer and written from the encoder's place,
    /// so a message costs one buffer and one iovec.
    func send(_ message: WebSocketMessage, promise: EventLoopPromise<Void>?) {
        guard self.machine.isOpen, let context = self.context, let encoder = self.encoderContext else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        let frame: EncodedFrame
        switch message {
        case .text(let text) where !self.compresses(text.utf8.count):
            frame = EncodedFrame(text: text)  // the header and the text in one buffer
        case .text(let text):
            frame = self.frame(opcode: 0x1, payload: context.channel.allocator.buffer(string: text), context: context)
        case .binary(let bytes):
            frame = self.frame(opcode: 0x2, payload: bytes, context: context)
        }
        guard self.admits(frame.bytes.readableBytes, context: context) else {
            promise?.succeed()
            return
        }
        self.recorder?.webSocketFrameSent(bytes: frame.payloadLength, completesMessage: true)
        encoder.writeAndFlush(NIOAny(frame.bytes), promise: promise)
    }

    /// Whether a message of `length` bytes goes compressed: deflate was agreed and it is long enough to be worth it.
    private func compresses(_ length: Int) -> Bool {
        self.machine.deflate != nil && length >= Self.minimumCompressedSize
    }

    /// A frame of `payload`, deflated when it `compresses` (and sent as it is if zlib fails).
    private func frame(opcode: UInt8, payload: ByteBuffer, context: ChannelHandlerContext) -> EncodedFrame {
        if self.compresses(payload.readableBytes),
            let deflated = self.machine.deflate?.deflate(payload, allocator: context.channel.allocator)
        {
            return EncodedFrame(opcode: opcode, compressed: true, payload: deflated)
        }
        return EncodedFrame(opcode: opcode, compressed: false, payload: payload)
    }

    /// Sends `message` once the connection is writable, after what already waits (a task's send).
    func sendWhenWritable(_ message: WebSocketMessage, promise: EventLoopPromise<Void>) {
        guard self.machine.isOpen, let context = self.context else {
            promise.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if self.waiting.isEmpty, context.channel.isWritable {
            self.send(message, promise: nil)
            promise.succeed()
        } else {
            self.waiting.append((message, promise))
        }
    }

    /// Sends a frame encoded once for many connections, within the outbound limit.
    func send(_ frame: EncodedFrame) {
        guard self.machine.isOpen, !self.sentClose, let context = self.context, let encoder = self.encoderContext,
            self.admits(frame.bytes.readableBytes, context: context)
        else { return }
        self.recorder?.webSocketFrameSent(bytes: frame.payloadLength, completesMessage: true)
        encoder.writeAndFlush(NIOAny(frame.bytes), promise: nil)
    }

    /// Sends a ping.
    func ping(_ payload: ByteBuffer) {
        guard self.machine.isOpen, let context = self.context else { return }
        self.writeControl(.ping, payload, context: context)
    }

    /// Frames written from behind (a test, an embedder's handler): nothing after a close; messages within the limit.
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
        default:
            break
        }
        context.write(data, promise: promise)
    }

    /// Whether `bytes` more fit within the outbound limit; if not, the route's policy is carried out and the caller
    /// drops the message.
    private func admits(_ bytes: Int, context: ChannelHandlerContext) -> Bool {
        guard !self.sentClose else { return false }
        switch self.outbound.verdict(on: bytes, channel: context.channel) {
        case .send:
            return true
        case .drop:
            self.recorder?.webSocketMessageDropped()
        case .disconnect:
            self.recorder?.webSocketSlowConsumerDisconnected()
            self.machine.connectionClosed()
            // The peer is not reading, so the close handshake cannot be waited for: say why, then go (at the latest
            // a second later, if even the close frame cannot be written).
            let reason = Self.closePayload(.policyViolation, "slow consumer", context.channel.allocator)
            self.sendCloseFrame(reason, context: context, thenClose: true)
            let channel = context.channel
            context.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        }
        return false
    }

    /// A ping or pong, not subject to the outbound limit.
    private func writeControl(_ opcode: WebSocketOpcode, _ payload: ByteBuffer, context: ChannelHandlerContext) {
        guard !self.sentClose else { return }
        context.writeAndFlush(Self.wrapOutboundOut(WebSocketFrame(fin: true, opcode: opcode, data: payload)))
            .whenFailure { _ in }
    }

    /// Starts the close handshake: the peer's answer (or the timeout) closes the connection.
    func close(_ code: WebSocketErrorCode, reason: String) {
        guard let context = self.context, self.machine.close() else { return }
        self.sendCloseFrame(
            Self.closePayload(code, reason, context.channel.allocator),
            context: context,
            thenClose: false
        )
        let channel = context.channel
        self.closeTimeout = context.eventLoop.scheduleTask(in: Self.closeTimeout) { channel.close(promise: nil) }
    }

    private func sendCloseFrame(_ payload: ByteBuffer, context: ChannelHandlerContext, thenClose: Bool) {
        guard !self.sentClose else {
            if thenClose { context.close(promise: nil) }
            return
        }
        self.sentClose = true
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
        let written = context.writeAndFlush(Self.wrapOutboundOut(frame))
        guard thenClose else {
            written.whenFailure { _ in }
            return
        }
        let channel = context.channel
        written.whenComplete { _ in channel.close(promise: nil) }
    }

    /// A close frame's payload: the code, then the reason (cut to fit a control frame's 125 bytes).
    private static func closePayload(
        _ code: WebSocketErrorCode,
        _ reason: String,
        _ allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        var payload = allocator.buffer(capacity: 2 + reason.utf8.count)
        payload.write(webSocketErrorCode: code)
        var reason = Substring(reason)
        while reason.utf8.count > 123 { reason.removeLast() }
        payload.writeString(String(reason))
        return payload
    }

    // MARK: Keepalive

    private func keepAlive(_ action: WebSocketKeepaliveStateMachine.Action) {
        guard let context = self.context else { return }
        switch action {
        case .none:
            break
        case .sendPing(let ping):
            var payload = context.channel.allocator.buffer(capacity: 8)
            payload.writeInteger(ping)
            self.ping(payload)
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            self.pongTimeout = context.eventLoop.scheduleTask(in: TimeAmount(self.keepalive.pongTimeout)) {
                let handler = loopBound.value
                handler.keepAlive(handler.liveness.pongTimeoutElapsed(ping: ping))
            }
        case .close:
            // A peer that does not answer a ping will not answer a close either: say why, then go.
            self.machine.connectionClosed()
            let reason = Self.closePayload(.goingAway, "ping timeout", context.channel.allocator)
            self.sendCloseFrame(reason, context: context, thenClose: true)
        }
    }
}

@available(*, unavailable)
extension WebSocketSessionHandler: Sendable {}
