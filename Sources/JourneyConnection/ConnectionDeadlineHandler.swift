import NIOCore

/// Closes a connection whose client is too slow: the keeper of its `ConnectionDeadlines` when the protocol's
/// first handler does not keep them itself (HTTP/1.1's fast path does).
///
/// It sits first in the pipeline, where it sees every read before any parser. The protocol handler reports
/// message boundaries (`headReceived`, `requestReceived`, `responseSent`); it owns no rule itself.
package final class ConnectionDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler, ConnectionDeadlineKeeper
{
    /// Bytes, untouched: this handler only watches them go by.
    package typealias InboundIn = ByteBuffer
    /// The same bytes, passed on.
    package typealias InboundOut = ByteBuffer

    /// The deadlines kept.
    package var deadlines: ConnectionDeadlines
    /// The context the handler is in; nil once it has left the pipeline.
    package private(set) var deadlineContext: ChannelHandlerContext?

    /// Creates the handler for one connection.
    package init(timeouts: ConnectionTimeouts) {
        self.deadlines = ConnectionDeadlines(timeouts: timeouts)
    }

    /// Arms the first deadline when added to a connection that is already active.
    package func handlerAdded(context: ChannelHandlerContext) {
        self.deadlineContext = context
        if context.channel.isActive { self.deadlines.connectionOpened(context: context, keeper: self) }
    }

    /// Stops both timers.
    package func handlerRemoved(context: ChannelHandlerContext) {
        self.deadlines.stop()
        self.deadlineContext = nil
    }

    /// The first request's head must arrive within the header timeout, counted from the accept.
    package func channelActive(context: ChannelHandlerContext) {
        self.deadlines.connectionOpened(context: context, keeper: self)
        context.fireChannelActive()
    }

    /// Stops both timers.
    package func channelInactive(context: ChannelHandlerContext) {
        self.deadlines.stop()
        context.fireChannelInactive()
    }

    /// Re-arms or leaves the read deadline as the state machine says.
    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.deadlines.bytesReceived(Self.unwrapInboundIn(data).readableBytes, context: context, keeper: self)
        context.fireChannelRead(data)
    }

    /// Starts the write deadline when the send queue fills, stops it when it drains.
    package func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.deadlines.writabilityChanged(context: context, keeper: self)
        context.fireChannelWritabilityChanged()
    }
}

@available(*, unavailable)
extension ConnectionDeadlineHandler: Sendable {}
