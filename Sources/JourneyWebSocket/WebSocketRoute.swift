import JourneyConnection
import JourneyCore
import NIOCore
import NIOWebSocket

/// A path that upgrades to WebSocket, with its options, an optional check of the handshake, and what runs on
/// the connection afterwards: callbacks on the connection's event loop (no task), or a task for handlers that
/// prefer to iterate messages.
public struct WebSocketRoute: Sendable {
    /// Runs for the life of one connection as a task: iterate `inbound`, send with `outbound`. Returning (or
    /// throwing) closes the connection: 1000 on return, 1011 on an error, the right code for a protocol violation.
    public typealias Handler =
        @Sendable (_ inbound: WebSocketInbound, _ outbound: WebSocketOutbound, _ context: WebSocketRequestContext)
        async throws -> Void
    /// Sets up one connection on its event loop, right after the upgrade: register callbacks on `socket`, which run
    /// on that loop too. The connection costs no task.
    public typealias Setup = @Sendable (_ socket: WebSocket, _ context: WebSocketRequestContext) -> Void
    /// Decides whether a valid handshake upgrades (an origin check, a token in the query or a cookie).
    public typealias UpgradeCheck = @Sendable (_ context: WebSocketRequestContext) async -> WebSocketUpgradeDecision

    /// The path, matched exactly (the query is not part of it).
    public var path: String
    /// Sizes, liveness, compression, subprotocols, origins and the slow-consumer policy.
    public var options: WebSocketOptions
    /// Asked after the handshake is found valid; nil upgrades every valid handshake. Being async, it runs in a task
    /// for the length of the handshake.
    public var shouldUpgrade: UpgradeCheck?
    /// A check that answers at once, on the event loop, before anything else: the built-in routes' own (the
    /// dashboard's access), so their upgrades start no task.
    package var admits: (@Sendable (WebSocketRequestContext) -> WebSocketUpgradeDecision)?
    /// What runs on each connection.
    let session: Session

    /// The two handler styles.
    enum Session: Sendable {
        case callbacks(Setup)
        case task(Handler)
    }

    /// A route whose connections each run `handler` as a task.
    public init(
        _ path: String,
        options: WebSocketOptions = WebSocketOptions(),
        shouldUpgrade: UpgradeCheck? = nil,
        handler: @escaping Handler
    ) {
        self.path = path
        self.options = options
        self.shouldUpgrade = shouldUpgrade
        self.session = .task(handler)
    }

    /// A route whose connections are set up by `setup` and then answered by the callbacks it registers, on the
    /// connection's event loop.
    public init(
        _ path: String,
        options: WebSocketOptions = WebSocketOptions(),
        shouldUpgrade: UpgradeCheck? = nil,
        onUpgrade setup: @escaping Setup
    ) {
        self.path = path
        self.options = options
        self.shouldUpgrade = shouldUpgrade
        self.session = .callbacks(setup)
    }

    /// Starts the session on `socket`, on its event loop, right after the upgrade.
    func start(_ socket: WebSocket, context: WebSocketRequestContext) {
        switch self.session {
        case .callbacks(let setup):
            setup(socket, context)
        case .task(let handler):
            Self.startTask(handler, socket: socket, context: context)
        }
    }

    /// The task style on top of the callbacks: messages go into the handler's `WebSocketInbound` (reading stops
    /// while 16 wait), the connection's end finishes it, and the handler's return closes the connection.
    private static func startTask(_ handler: @escaping Handler, socket: WebSocket, context: WebSocketRequestContext) {
        let eventLoop = socket.eventLoop
        let delegate = RequestBodyDelegate(
            demanded: { socket.holdReads(false) },
            abandoned: { socket.holdReads(false) }
        )
        let made = WebSocketInbound.Producer.makeSequence(
            backPressureStrategy: .init(lowWatermark: 2, highWatermark: 16),
            finishOnDeinit: false,
            delegate: delegate
        )
        let source = made.source
        let yield = { (message: WebSocketMessage) in
            if case .stopProducing = source.yield(message) { socket.holdReads(true) }
        }
        socket.onText { _, text in yield(.text(text)) }
        socket.onBinary { _, bytes in yield(.binary(bytes)) }
        socket.onClose { _, _ in source.finish() }
        socket.onFailure { error in source.finish(error) }
        let inbound = WebSocketInbound(messages: made.sequence)
        let outbound = WebSocketOutbound(socket: socket)
        Task(executorPreference: EventLoopTaskExecutor(eventLoop)) {
            do {
                try await handler(inbound, outbound, context)
                socket.close(.normalClosure)
            } catch {
                // After a broken rule the connection is already closed with its code, and this does nothing.
                context.logger.debug("websocket session ended", metadata: ["error": "\(error)"])
                socket.close(.unexpectedServerError)
            }
        }
    }
}
