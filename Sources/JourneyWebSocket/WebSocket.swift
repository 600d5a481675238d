import NIOCore
import NIOWebSocket

/// One WebSocket connection, for handlers that answer on its event loop: register callbacks, send, close. No task
/// and no async sequence stand between the socket and the callbacks, so a connection costs what its channel does.
///
/// Register callbacks on the connection's event loop: in the route's setup closure (which runs there) or in a
/// callback. Sends may come from anywhere; from another thread they hop to the loop. A handler that prefers a task
/// uses `WebSocketRoute`'s `handler:` form (`WebSocketInbound`, `WebSocketOutbound`) instead.
///
/// ```swift
/// router.webSocket("/shout") { socket, context in
///     socket.onText { socket, text in socket.send(text: text.uppercased()) }
/// }
/// ```
public final class WebSocket: Sendable {
    /// The event loop that owns the connection; callbacks run on it.
    public let eventLoop: any EventLoop
    private let session: NIOLoopBoundBox<WebSocketSessionHandler?>

    init(session: WebSocketSessionHandler, eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.session = NIOLoopBoundBox(session, eventLoop: eventLoop)
    }

    /// The session is over; on the loop. The handler and the callbacks it holds are let go.
    func detach() {
        self.session.value = nil
    }

    /// Calls `callback` with each text message, whole and checked as UTF-8. Call on the event loop.
    public func onText(_ callback: @escaping (_ socket: WebSocket, _ text: String) -> Void) {
        self.session.value?.callbacks.text = callback
    }

    /// Calls `callback` with each binary message, whole. Call on the event loop.
    public func onBinary(_ callback: @escaping (_ socket: WebSocket, _ bytes: ByteBuffer) -> Void) {
        self.session.value?.callbacks.binary = callback
    }

    /// Calls `callback` once the connection has closed, with the code of the peer's close frame if it sent one:
    /// where a session lets go of what it holds (subscriptions, timers). Call on the event loop.
    public func onClose(_ callback: @escaping (_ socket: WebSocket, _ code: WebSocketErrorCode?) -> Void) {
        self.session.value?.callbacks.close = callback
    }

    /// Calls `callback` each time the connection becomes writable again after its send buffer filled: a handler
    /// that produces a lot sends until `isWritable` is false and resumes here. Call on the event loop.
    public func onWritable(_ callback: @escaping (_ socket: WebSocket) -> Void) {
        self.session.value?.callbacks.writable = callback
    }

    /// Whether the connection takes more without queueing past its high watermark. Read on the event loop.
    public var isWritable: Bool {
        self.session.value?.isWritable ?? false
    }

    /// Sends a text or binary message; `promise` completes once it was written (or fails if the connection is
    /// closing). A peer whose outbound queue is full meets the route's `slowConsumerPolicy`.
    public func send(_ message: WebSocketMessage, promise: EventLoopPromise<Void>? = nil) {
        // On the loop (a callback answering), straight through: no closure to allocate per message.
        if self.eventLoop.inEventLoop {
            guard let session = self.session.value else {
                promise?.fail(ChannelError.ioOnClosedChannel)
                return
            }
            session.send(message, promise: promise)
            return
        }
        self.onLoop({ $0.send(message, promise: promise) }, ifClosed: { promise?.fail(ChannelError.ioOnClosedChannel) })
    }

    /// Sends a text message.
    public func send(text: String, promise: EventLoopPromise<Void>? = nil) {
        self.send(.text(text), promise: promise)
    }

    /// Sends a binary message.
    public func send(binary: ByteBuffer, promise: EventLoopPromise<Void>? = nil) {
        self.send(.binary(binary), promise: promise)
    }

    /// Sends a frame encoded once for many connections: for fan-out, where one slow peer must not hold up the rest.
    public func send(_ frame: EncodedFrame) {
        self.onLoop { $0.send(frame) }
    }

    /// Sends a ping carrying `payload` (at most 125 bytes, RFC 6455 §5.5); the peer answers with a pong.
    public func ping(_ payload: ByteBuffer = ByteBuffer()) {
        precondition(payload.readableBytes <= 125, "a control frame carries at most 125 bytes")
        self.onLoop { $0.ping(payload) }
    }

    /// Starts the close handshake with `code` and `reason`; nothing more is sent after it, and the connection
    /// closes when the peer answers (or 10 seconds later).
    public func close(_ code: WebSocketErrorCode = .normalClosure, reason: String = "") {
        self.onLoop { $0.close(code, reason: reason) }
    }

    /// Calls `callback` when the session fails the connection (a broken rule): a task's messages end with it.
    func onFailure(_ callback: @escaping (WebSocketClosedError) -> Void) {
        self.session.value?.callbacks.failed = callback
    }

    /// Holds reads back while a task's handler has `enough` messages waiting, and resumes them.
    func holdReads(_ enough: Bool) {
        self.onLoop { $0.holdReads(enough) }
    }

    /// Sends `message` once the connection is writable (after what already waits); the future fails if the
    /// connection closes first. What `WebSocketOutbound` awaits.
    func sendWhenWritable(_ message: WebSocketMessage) -> EventLoopFuture<Void> {
        let promise = self.eventLoop.makePromise(of: Void.self)
        self.onLoop(
            { $0.sendWhenWritable(message, promise: promise) },
            ifClosed: { promise.fail(ChannelError.ioOnClosedChannel) }
        )
        return promise.futureResult
    }

    /// Runs `body` with the session on the loop: now when called there, else hopping to it; `ifClosed` instead
    /// once the session is over.
    private func onLoop(
        _ body: @escaping @Sendable (WebSocketSessionHandler) -> Void,
        ifClosed: (@Sendable () -> Void)? = nil
    ) {
        let run: @Sendable () -> Void = {
            if let session = self.session.value { body(session) } else { ifClosed?() }
        }
        if self.eventLoop.inEventLoop { run() } else { self.eventLoop.execute(run) }
    }
}

extension WebSocket: PubSubSubscriber {
    package var connection: ObjectIdentifier { ObjectIdentifier(self) }

    package func sendOnLoop(_ frame: EncodedFrame) {
        self.session.value?.send(frame)
    }
}
