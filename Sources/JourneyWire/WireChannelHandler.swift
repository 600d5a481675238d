import JourneyCore
import Logging
import NIOCore

/// The bridge between one connection's pipeline and its protocol handler's task: framed messages wait here
/// for the handler, its replies are encoded here into one buffer and sent together.
///
/// Everything runs on the connection's event loop, the handler's task included (`EventLoopTaskExecutor`), so
/// handing over a waiting message or queueing a reply is a function call. Replies are flushed when the handler
/// runs out of messages (before it waits) or, at the latest, once its task gives the loop back.
///
/// Not generic, on purpose: NIO calls a handler through an existential, where a generic class runs its
/// unspecialised code (a runtime metadata lookup for every generic value it touches, per message). Messages
/// wait here as NIO delivered them (`NIOAny`); `WireInbound`, specialised in the protocol's own module,
/// unwraps them, and `WireOutbound` encodes replies into this handler's buffer.
@usableFromInline
final class WireChannelHandler: ChannelDuplexHandler {
    @usableFromInline typealias InboundIn = Any
    @usableFromInline typealias OutboundIn = ByteBuffer
    @usableFromInline typealias OutboundOut = ByteBuffer

    private enum Input {
        case open
        /// The peer half-closed, or the server is shutting down: the messages already framed still go.
        case ended
        /// The framer threw: the messages framed before still go, then the error (after the farewell).
        case failed(any Error)
    }

    /// Encodes the protocol's farewell for a framer's error into the buffer; false when there is none.
    private let farewell: (any Error, inout ByteBuffer) throws -> Bool
    private let limits: WireLimits
    /// The connection's row on the dashboard and its idle timeout.
    private var life: WireConnectionLife
    private var context: ChannelHandlerContext?

    private var input = Input.open
    private var framed = CircularBuffer<(message: NIOAny, timeline: RequestTimeline)>(initialCapacity: 16)
    private var waiter: CheckedContinuation<WireNextMessage, Never>?
    private var readIsHeld = false

    private var pending: ByteBuffer?
    private var flushIsScheduled = false
    private var outputIsClosed = false
    private var writabilityWaiters: [CheckedContinuation<Void, any Error>] = []

    /// The read in progress began (journey clock), and the first byte of the frame not yet complete arrived.
    private var readStart: UInt64 = 0
    private var frameStart: UInt64 = 0
    /// The message the handler took last, until its first reply (or the next take).
    private var current: RequestTimeline?
    /// Messages answered, waiting for their replies to be flushed.
    private var answered: [RequestTimeline] = []

    init(
        farewell: @escaping (any Error, inout ByteBuffer) throws -> Bool,
        limits: WireLimits,
        logger: Logger,
        recorder: JourneyRecorder?,
        slot: Int
    ) {
        self.farewell = farewell
        self.limits = limits
        self.life = WireConnectionLife(recorder: recorder, slot: slot, logger: logger, idleTimeout: limits.idleTimeout)
    }

    // MARK: the pipeline

    @usableFromInline
    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.life.opened(context)
    }

    @usableFromInline
    func handlerRemoved(context: ChannelHandlerContext) {
        // The timer's action holds the context: let both go.
        self.life.removed()
        self.context = nil
    }

    /// Bytes arrived from the kernel; called by `WireReadTap`, in front of the framer, on every read.
    func bytesArrived() {
        if let context = self.context { self.life.touch(context.eventLoop.now) }
        guard let recorder = self.life.recorder, recorder.clock.isRunning else { return }
        self.readStart = recorder.clock.now()
        if self.frameStart == 0 { self.frameStart = self.readStart }
    }

    @usableFromInline
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .open = self.input else { return }
        var timeline = RequestTimeline()
        if let recorder = self.life.recorder, recorder.clock.isRunning {
            timeline.firstByte = self.frameStart != 0 ? self.frameStart : self.readStart
            timeline.headArrived = self.readStart
            timeline.headParsed = recorder.clock.now()
            timeline.bodyDecoded = timeline.headParsed
            self.frameStart = 0
        }
        if let waiter = self.waiter {
            self.waiter = nil
            self.took(timeline)
            waiter.resume(returning: .message(data))
        } else {
            self.framed.append((data, timeline))
        }
    }

    @usableFromInline
    func read(context: ChannelHandlerContext) {
        guard case .open = self.input else { return }
        if self.framed.count >= self.limits.maximumInFlight {
            self.readIsHeld = true
        } else {
            context.read()
        }
    }

    @usableFromInline
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is IOError || error is ChannelError {
            // The socket failed (a reset, say): nothing more will be read or written.
            self.life.logger.debug("connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        guard case .open = self.input else { return }
        // The framer threw: the frame is malformed or too large. Logged here, once; the handler gets the
        // messages framed before it, then the error.
        let reason =
            error is ByteToMessageDecoderError.PayloadTooLargeError
            ? "frame larger than \(self.limits.maximumFrameSize) bytes" : "\(error)"
        self.life.logger.info("malformed frame, closing the connection", metadata: ["reason": "\(reason)"])
        self.life.recorder?.malformedFrame(slot: self.life.slot)
        self.input = .failed(error)
        self.wakeWaiter()
    }

    @usableFromInline
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent || event as? ChannelEvent == .inputClosed {
            // Shutting down, or the peer sent all it will: the handler answers what was framed, then its
            // inbound sequence ends.
            if case .open = self.input { self.input = .ended }
            self.wakeWaiter()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    @usableFromInline
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { self.resumeWriters(throwing: nil) }
        context.fireChannelWritabilityChanged()
    }

    @usableFromInline
    func channelInactive(context: ChannelHandlerContext) {
        self.outputIsClosed = true
        self.pending = nil
        if case .open = self.input { self.input = .ended }
        self.framed.removeAll()
        self.wakeWaiter()
        self.resumeWriters(throwing: ChannelError.ioOnClosedChannel)
        self.life.closed()
        context.fireChannelInactive()
    }

    // MARK: the handler's side: `WireInbound`

    /// The next framed message, or the end, or the framer's error, or `nothingYet`.
    @usableFromInline
    func take() -> WireNextMessage {
        if let next = self.framed.popFirst() {
            self.took(next.timeline)
            if self.readIsHeld, self.framed.count < self.limits.maximumInFlight, let context = self.context {
                self.readIsHeld = false
                context.read()
            }
            return .message(next.message)
        }
        switch self.input {
        case .open: return .nothingYet
        case .ended: return .ended
        case .failed(let error):
            // The farewell goes once, after the replies to everything framed before the bad frame.
            _ = try? self.append { try self.farewell(error, &$0) }
            self.flush()
            self.outputIsClosed = true
            self.input = .ended
            return .failed(error)
        }
    }

    /// Resumes `continuation` with the next message (or the end, or the error) once there is one.
    @usableFromInline
    func wait(_ continuation: CheckedContinuation<WireNextMessage, Never>) {
        switch self.take() {
        case .nothingYet:
            // The handler has answered all it was given: its replies go now, in one write.
            self.flush()
            self.waiter = continuation
        case let taken:
            continuation.resume(returning: taken)
        }
    }

    private func wakeWaiter() {
        guard let waiter = self.waiter else { return }
        self.waiter = nil
        self.wait(waiter)
    }

    /// The handler took a message: the one before it, if never answered, is done.
    private func took(_ timeline: RequestTimeline) {
        guard let recorder = self.life.recorder else { return }
        if var previous = self.current {
            previous.processed = recorder.clock.now()
            recorder.messageFinished(previous, slot: self.life.slot)
        }
        self.current = timeline
    }

    // MARK: the handler's side: `WireOutbound`

    /// Lets `encode` append a reply to the next flush; false when the writer should wait for the send queue
    /// to drain (`waitUntilWritable`). Throws once the connection is closed.
    @usableFromInline
    func append(_ encode: (inout ByteBuffer) throws -> Bool) throws -> Bool {
        guard !self.outputIsClosed, let context = self.context else { throw ChannelError.ioOnClosedChannel }
        if self.pending == nil { self.pending = context.channel.allocator.buffer(capacity: 512) }
        guard try encode(&self.pending!) else { return true }
        if let recorder = self.life.recorder, var timeline = self.current {
            self.current = nil
            timeline.processed = recorder.clock.now()
            self.answered.append(timeline)
        }
        if self.pending!.readableBytes >= 1 << 16 {
            self.flush()
        } else if !self.flushIsScheduled {
            // Flushed before the handler waits for a message; this catches a handler that awaits something else.
            self.flushIsScheduled = true
            context.eventLoop.assumeIsolated().execute { self.flush() }
        }
        guard context.channel.isWritable else {
            self.flush()
            return false
        }
        return true
    }

    /// Resumes `continuation` once the send queue has room (throws once the connection is closed).
    @usableFromInline
    func waitUntilWritable(_ continuation: CheckedContinuation<Void, any Error>) {
        if self.outputIsClosed || self.context == nil {
            continuation.resume(throwing: ChannelError.ioOnClosedChannel)
        } else if self.context?.channel.isWritable == true {
            continuation.resume()
        } else {
            self.writabilityWaiters.append(continuation)
        }
    }

    /// Sends what is queued, then closes the connection.
    @usableFromInline
    func finish() {
        guard let context = self.context, context.channel.isActive else { return }
        if case .failed = self.input { _ = self.take() }
        self.outputIsClosed = true
        self.resumeWriters(throwing: ChannelError.ioOnClosedChannel)
        let promise = context.eventLoop.makePromise(of: Void.self)
        self.flush(promise: promise)
        promise.futureResult.hop(to: context.eventLoop).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func flush(promise: EventLoopPromise<Void>? = nil) {
        self.flushIsScheduled = false
        guard let context = self.context, let pending = self.pending else {
            promise?.succeed()
            return
        }
        self.pending = nil
        self.life.write(pending, on: context, promise: promise, answering: &self.answered)
    }

    private func resumeWriters(throwing error: (any Error)?) {
        let waiters = self.writabilityWaiters
        self.writabilityWaiters = []
        for waiter in waiters {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
    }
}

@available(*, unavailable)
extension WireChannelHandler: Sendable {}
