import NIOCore

/// The read and write deadlines of one connection: performs `ReadDeadlineStateMachine`'s actions and watches the send
/// queue for the write timeout.
///
/// A value, kept inline by the handler that sees the connection's reads first (`ConnectionDeadlineKeeper`): on
/// a connection with a thousand others, every object a request touches is a likely cache miss, so the deadlines
/// are not one more. Every keep-alive request moves the read deadline three times (header, none, idle);
/// scheduling and cancelling a timer each time would cost more than the rest of a cached file's request (nginx
/// defers its timer updates for the same reason). So only the deadline moves, and one timer, never set further
/// than the shortest timeout ahead, checks it when it fires: a deadline is still kept to the instant.
package struct ConnectionDeadlines {
    /// Which of the two timers fired.
    package enum Timer: Sendable {
        /// The read timer: a head, a body or the next request is overdue.
        case read
        /// The write timer: the send queue stayed full.
        case write
    }

    private var machine: ReadDeadlineStateMachine
    /// When the connection closes for want of bytes; nil while no read deadline applies.
    private var readDeadline: NIODeadline?
    /// Fires at `readFires`, at or before `readDeadline`.
    private var readTimer: Scheduled<Void>?
    private var readFires = NIODeadline.distantFuture
    /// The shortest read timeout: the read timer never sleeps longer, so a new deadline is never before it fires.
    private let readTimerStep: TimeAmount
    private let writeTimeout: TimeAmount
    private var writeTimer: Scheduled<Void>?
    /// When the connection closes for a send queue the client does not drain; nil while it is writable.
    private var writeDeadline: NIODeadline?

    /// The deadlines of a connection that was just accepted.
    package init(timeouts: ConnectionTimeouts) {
        self.machine = ReadDeadlineStateMachine(timeouts: timeouts)
        self.writeTimeout = timeouts.write
        self.readTimerStep = min(timeouts.headerRead, timeouts.bodyRead, timeouts.keepAliveIdle)
    }

    /// The connection became active: its first request's head must arrive within the header timeout.
    package mutating func connectionOpened(context: ChannelHandlerContext, keeper: any ConnectionDeadlineKeeper) {
        self.perform(self.machine.connectionOpened(), context: context, keeper: keeper)
    }

    /// `count` bytes arrived from the client.
    package mutating func bytesReceived(
        _ count: Int,
        context: ChannelHandlerContext,
        keeper: any ConnectionDeadlineKeeper
    ) {
        // Only a body's bytes are timed (its rate); every other read leaves the clock alone.
        let action =
            self.machine.isReadingBody
            ? self.machine.bodyBytesReceived(count, at: context.eventLoop.now) : self.machine.bytesReceived()
        self.perform(action, context: context, keeper: keeper)
    }

    /// A request head was parsed; `expectsBody` when body bytes are still to come.
    package mutating func headReceived(
        expectsBody: Bool,
        context: ChannelHandlerContext,
        keeper: any ConnectionDeadlineKeeper
    ) {
        let action =
            expectsBody ? self.machine.bodyExpected(at: context.eventLoop.now) : self.machine.headReceived()
        self.perform(action, context: context, keeper: keeper)
    }

    /// The whole request was read.
    package mutating func requestReceived(context: ChannelHandlerContext, keeper: any ConnectionDeadlineKeeper) {
        self.perform(self.machine.requestReceived(), context: context, keeper: keeper)
    }

    /// The response was handed to the Write stage: the connection waits for its next request.
    package mutating func responseSent(context: ChannelHandlerContext, keeper: any ConnectionDeadlineKeeper) {
        self.perform(self.machine.responseSent(), context: context, keeper: keeper)
    }

    /// The send queue filled up (the client must drain it within the write timeout) or drained.
    ///
    /// A response larger than the queue's high-water mark turns it unwritable and back once per request: only the
    /// deadline moves; one timer, set when none is pending, checks it (as the read deadline is kept).
    package mutating func writabilityChanged(context: ChannelHandlerContext, keeper: any ConnectionDeadlineKeeper) {
        if context.channel.isWritable {
            self.writeDeadline = nil
        } else if self.writeDeadline == nil {
            let deadline = context.eventLoop.now + self.writeTimeout
            self.writeDeadline = deadline
            if self.writeTimer == nil { self.schedule(.write, at: deadline, context: context, keeper: keeper) }
        }
    }

    /// Stops both timers: the connection closed, or its keeper left the pipeline.
    package mutating func stop() {
        self.readTimer?.cancel()
        self.readTimer = nil
        self.writeTimer?.cancel()
        self.writeTimer = nil
    }

    /// What the keeper does about a deadline that passed.
    package enum Expiry: Equatable {
        /// Close the connection: nothing more is read or written on it.
        case close
        /// Tell the protocol handler (a user event) so that it answers 408 and lingers; the connection closes
        /// anyway if it has not started lingering within the lingering timeout.
        case answer(RequestBodyTimedOut)
    }

    /// What a lazy timer does when it fires: what to do when its deadline has passed; else (nil) the timer is set
    /// again while a deadline is ahead.
    package mutating func timerFired(
        _ timer: Timer,
        context: ChannelHandlerContext,
        keeper: any ConnectionDeadlineKeeper
    ) -> Expiry? {
        let deadline: NIODeadline?
        switch timer {
        case .read:
            self.readTimer = nil
            deadline = self.readDeadline
        case .write:
            self.writeTimer = nil
            deadline = self.writeDeadline
        }
        guard let deadline else { return nil }
        guard deadline <= context.eventLoop.now else {
            self.schedule(timer, at: deadline, context: context, keeper: keeper)
            return nil
        }
        guard case .read = timer else { return .close }
        let (lapse, action) = self.machine.deadlinePassed()
        self.readDeadline = nil
        self.perform(action, context: context, keeper: keeper)
        switch lapse {
        case .request, .unanswered: return .close
        case .bodyPaused: return .answer(RequestBodyTimedOut(belowMinimumRate: false))
        case .bodyTooSlow: return .answer(RequestBodyTimedOut(belowMinimumRate: true))
        }
    }

    private mutating func perform(
        _ action: ReadDeadlineStateMachine.Action,
        context: ChannelHandlerContext,
        keeper: any ConnectionDeadlineKeeper
    ) {
        switch action {
        case .none:
            break
        case .cancel:
            self.readDeadline = nil
        case .arm(let timeout):
            let deadline = context.eventLoop.now + timeout
            self.readDeadline = deadline
            if self.readTimer == nil || deadline < self.readFires {
                self.schedule(.read, at: deadline, context: context, keeper: keeper)
            }
        }
    }

    private mutating func schedule(
        _ timer: Timer,
        at deadline: NIODeadline,
        context: ChannelHandlerContext,
        keeper: any ConnectionDeadlineKeeper
    ) {
        let loop = context.eventLoop.assumeIsolated()
        switch timer {
        case .read:
            self.readTimer?.cancel()
            self.readFires = min(deadline, context.eventLoop.now + self.readTimerStep)
            self.readTimer = loop.scheduleTask(deadline: self.readFires) { keeper.deadlineTimerFired(.read) }
        case .write:
            self.writeTimer = loop.scheduleTask(deadline: deadline) { keeper.deadlineTimerFired(.write) }
        }
    }
}

@available(*, unavailable)
extension ConnectionDeadlines: Sendable {}
