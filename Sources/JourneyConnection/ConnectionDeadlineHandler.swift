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
    private var readTimer: Scheduled<Void>?
    private var writeTimer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    /// Creates the handler for one connection.
    public init(timeouts: ConnectionTimeouts) {
        self.machine = ReadDeadlineStateMachine(timeouts: timeouts)
        self.writeTimeout = timeouts.write
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
        if context.channel.isWritable {
            self.writeTimer?.cancel()
            self.writeTimer = nil
        } else if self.writeTimer == nil {
            self.writeTimer = self.schedule(after: self.writeTimeout)
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

    private func perform(_ action: ReadDeadlineStateMachine.Action) {
        switch action {
        case .none:
            break
        case .cancel:
            self.readTimer?.cancel()
            self.readTimer = nil
        case .arm(let timeout):
            self.readTimer?.cancel()
            self.readTimer = self.schedule(after: timeout)
        }
    }

    private func schedule(after timeout: TimeAmount) -> Scheduled<Void>? {
        guard let context = self.context else { return nil }
        return context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            // A deadline passed: nothing more is read or written on this connection.
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension ConnectionDeadlineHandler: Sendable {}
