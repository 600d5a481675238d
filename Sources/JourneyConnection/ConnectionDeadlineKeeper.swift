import NIOCore

/// The handler that keeps a connection's `ConnectionDeadlines` inline: the first to see its reads. The handlers
/// behind it report message boundaries through it; its timers call back into it when they fire.
package protocol ConnectionDeadlineKeeper: AnyObject {
    /// The deadlines kept.
    var deadlines: ConnectionDeadlines { get set }
    /// The context the keeper is in; nil once it has left the pipeline (nothing more is timed then).
    var deadlineContext: ChannelHandlerContext? { get }
}

extension ConnectionDeadlineKeeper {
    /// A request head was parsed; `expectsBody` when body bytes are still to come.
    package func headReceived(expectsBody: Bool) {
        guard let context = self.deadlineContext else { return }
        self.deadlines.headReceived(expectsBody: expectsBody, context: context, keeper: self)
    }

    /// The whole request was read.
    package func requestReceived() {
        guard let context = self.deadlineContext else { return }
        self.deadlines.requestReceived(context: context, keeper: self)
    }

    /// The response was handed to the Write stage.
    package func responseSent() {
        guard let context = self.deadlineContext else { return }
        self.deadlines.responseSent(context: context, keeper: self)
    }

    /// The connection is lingering (`LingeringCloseHandler`), or closing: no deadline of a request applies any more.
    package func stopDeadlines() {
        self.deadlines.stop()
    }

    /// One of the deadlines' timers fired: the connection closes if its deadline has passed, or the protocol
    /// handler is told its request body is too slow.
    func deadlineTimerFired(_ timer: ConnectionDeadlines.Timer) {
        guard let context = self.deadlineContext else { return }
        // Closing fires channelInactive, which stops the timers: not from inside the deadlines' own mutation.
        switch self.deadlines.timerFired(timer, context: context, keeper: self) {
        case nil: break
        case .close: context.close(promise: nil)
        case .answer(let event): context.fireUserInboundEventTriggered(event)
        }
    }
}
