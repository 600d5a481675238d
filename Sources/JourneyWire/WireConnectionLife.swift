import JourneyCore
import Logging
import NIOCore

/// What both wire handlers (`WireChannelHandler`, `WireResponderHandler`) keep of their connection's life: its row
/// on the dashboard (opened, closed, idle timeouts, messages answered) and the timer that closes it when it has been
/// silent for its idle timeout.
struct WireConnectionLife {
    /// The recorder of the connection's loop, if the journey is recorded.
    let recorder: JourneyRecorder?
    /// The protocol's row in the recorder.
    let slot: Int
    let logger: Logger
    private let idleTimeout: TimeAmount?
    private var idleTimer: WireIdleTimer?

    init(recorder: JourneyRecorder?, slot: Int, logger: Logger, idleTimeout: TimeAmount?) {
        self.recorder = recorder
        self.slot = slot
        self.logger = logger
        self.idleTimeout = idleTimeout
    }

    /// The connection opened on `context`: it is counted, and the idle timer starts.
    mutating func opened(_ context: ChannelHandlerContext) {
        self.recorder?.protocolConnection(opened: true, slot: self.slot)
        self.idleTimer = WireIdleTimer.closing(
            context,
            after: self.idleTimeout,
            recorder: self.recorder,
            slot: self.slot,
            logger: self.logger
        )
    }

    /// Bytes went one way or the other.
    func touch(_ now: NIODeadline) {
        self.idleTimer?.touch(now)
    }

    /// Writes and flushes the answers encoded so far; the messages they answer are recorded as answered.
    func write(
        _ answers: ByteBuffer,
        on context: ChannelHandlerContext,
        promise: EventLoopPromise<Void>?,
        answering answered: inout [RequestTimeline]
    ) {
        self.touch(context.eventLoop.now)
        context.writeAndFlush(NIOAny(answers), promise: promise)
        self.recorder?.messagesWritten(&answered, slot: self.slot)
    }

    /// The connection closed: the idle timer stops and the connection is counted out.
    func closed() {
        self.idleTimer?.cancel()
        self.recorder?.protocolConnection(opened: false, slot: self.slot)
    }

    /// The handler left the pipeline: the timer's action holds the context, so both are let go.
    mutating func removed() {
        self.idleTimer?.cancel()
        self.idleTimer = nil
    }
}
