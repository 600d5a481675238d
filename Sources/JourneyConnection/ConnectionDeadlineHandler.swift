import NIOCore

/// Closes a connection whose client is too slow: it performs `ReadDeadlineStateMachine`'s actions and
/// watches the send queue for the write timeout.
///
/// It sits first in the pipeline, where it sees every read before any parser. The protocol handler
/// reports message boundaries (`headReceived`, `requestReceived`, `responseSent`); it owns no rule itself.
public final class ConnectionDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    /// Bytes, untouched: this handler only watches them go by.
    public typealias InboundIn = ByteBuffer
    /// The same bytes, passed on.
    public typealias InboundOut = ByteBuffer

    private var machine: ReadDeadlineStateMachine
    private let writeTimeout: TimeAmount
    /// When the connection closes for want of bytes; nil while no read deadline applies.
    private var readDeadline: NIODeadline?
    /// Fires at `readFires`, at or before `readDeadline`; see `perform(_:)`.
    private var readTimer: Scheduled<Void>?
    private var readFires = NIODeadline.distantFuture
    /// The shortest read timeout: the read timer never sleeps longer, so a new deadline is never before it fires.
    private let readTimerStep: TimeAmount
    private var writeTimer: Scheduled<Void>?
    /// When the connection closes for a send queue the client does not drain; nil while it is writable.
    private var writeDeadline: NIODeadline?
    private var context: ChannelHandlerContext?

    /// Creates the handler for one connection.
    public init(timeouts: ConnectionTimeouts) {
        self.machine = ReadDeadlineStateMachine(timeouts: timeouts)
        self.writeTimeout = timeouts.write
        self.readTimerStep = min(timeouts.headerRead, timeouts.bodyRead, timeouts.keepAliveIdle)
    }

    /// Arms the first deadline when added to a connection that is already active.
    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { self.perform(self.machine.connectionOpened()) }
    }

    /// Stops both timers.
    public func handlerRemoved(context: ChannelHandlerContext) {
        self.readTimer?.cancel()
        self.writeTimer?.cancel()
        self.context = nil
    }

    /// The first request's head must arrive within the header timeout, counted from the accept.
    public func channelActive(context: ChannelHandlerContext) {
        self.perform(self.machine.connectionOpened())
        context.fireChannelActive()
    }

    /// Stops both timers.
    public func channelInactive(context: ChannelHandlerContext) {
        self.readTimer?.cancel()
        self.writeTimer?.cancel()
        context.fireChannelInactive()
    }

    /// Re-arms or leaves the read deadline as the state machine says.
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.perform(self.machine.bytesReceived())
        context.fireChannelRead(data)
    }

    /// Starts the write deadline when the send queue fills, stops it when it drains.
    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        // The send queue filled up: the client must drain it within the write timeout.
        // A response larger than the queue's high-water mark turns it unwritable and back once per request: only the
        // deadline moves; one timer, set when none is pending, checks it (as the read deadline is kept).
        if context.channel.isWritable {
            self.writeDeadline = nil
        } else if self.writeDeadline == nil {
            let deadline = context.eventLoop.now + self.writeTimeout
            self.writeDeadline = deadline
            if self.writeTimer == nil { self.scheduleWriteTimer(at: deadline) }
        }
        context.fireChannelWritabilityChanged()
    }

    /// A request head was parsed; `expectsBody` when body bytes are still to come.
    public func headReceived(expectsBody: Bool) {
        self.perform(self.machine.headReceived(expectsBody: expectsBody))
    }

    /// The whole request was read.
    public func requestReceived() {
        self.perform(self.machine.requestReceived())
    }

    /// The response was handed to the Write stage.
    public func responseSent() {
        self.perform(self.machine.responseSent())
    }

    /// Moves the read deadline. Every keep-alive request moves it three times (header, none, idle); scheduling and
    /// cancelling a timer each time would cost more than the rest of a cached file's request (nginx defers its
    /// timer updates for the same reason). So only the deadline moves, and one timer, never set further than the
    /// shortest timeout ahead, checks it when it fires: a deadline is still kept to the instant.
    private func perform(_ action: ReadDeadlineStateMachine.Action) {
        switch action {
        case .none:
            break
        case .cancel:
            self.readDeadline = nil
        case .arm(let timeout):
            guard let context = self.context else { return }
            let deadline = context.eventLoop.now + timeout
            self.readDeadline = deadline
            if self.readTimer == nil || deadline < self.readFires { self.scheduleReadTimer(at: deadline) }
        }
    }

    private func scheduleReadTimer(at deadline: NIODeadline) {
        guard let context = self.context else { return }
        self.readTimer?.cancel()
        self.readFires = min(deadline, context.eventLoop.now + self.readTimerStep)
        self.readTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: self.readFires) {
            self.readTimer = nil
            self.expire(at: self.readDeadline, context: context, orWaitUntil: self.scheduleReadTimer)
        }
    }

    private func scheduleWriteTimer(at deadline: NIODeadline) {
        guard let context = self.context else { return }
        self.writeTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.writeTimer = nil
            self.expire(at: self.writeDeadline, context: context, orWaitUntil: self.scheduleWriteTimer)
        }
    }

    /// What a lazy timer does when it fires: closes the connection once `deadline` has passed (nothing more is read
    /// or written on it), sets the timer again while it is ahead, and stops when there is none.
    private func expire(
        at deadline: NIODeadline?,
        context: ChannelHandlerContext,
        orWaitUntil reschedule: (NIODeadline) -> Void
    ) {
        guard let deadline else { return }
        if deadline <= context.eventLoop.now {
            context.close(promise: nil)
        } else {
            reschedule(deadline)
        }
    }
}

@available(*, unavailable)
extension ConnectionDeadlineHandler: Sendable {}
