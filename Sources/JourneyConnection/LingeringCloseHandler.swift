import JourneyCore
import NIOCore

/// Closes a connection the server has given up on without resetting it: the server's side is shut (FIN, after
/// TLS's close_notify), then whatever the client still sends is read and discarded until it closes its side, goes
/// quiet or runs out of the limits of `LingeringClose` (nginx's lingering close, RFC 9112 §9.6).
///
/// It goes first in the pipeline, ahead of TLS and every parser: what it reads is never decrypted or parsed, and
/// the handlers behind see nothing more. Start it with `linger(_:on:keeper:recorder:)` once the last answer has been
/// written. Plumbing for the protocol targets (`package`): users set `ConnectionTimeouts.lingering`.
package final class LingeringCloseHandler: ChannelInboundHandler {
    /// Raw bytes off the socket.
    package typealias InboundIn = ByteBuffer

    private let limits: LingeringClose
    private let recorder: JourneyRecorder?
    private var discarded = 0
    /// When the client last sent something; the quiet timer checks against it (one timer, moved lazily).
    private var lastRead = NIODeadline.uptimeNanoseconds(0)
    private var quietTimer: Scheduled<Void>?
    private var closed = false

    private init(limits: LingeringClose, recorder: JourneyRecorder?) {
        self.limits = limits
        self.recorder = recorder
    }

    /// Drains and closes `channel`, whose last answer has been written: its pipeline gets the handler first, the
    /// deadline keeper's timers stop (no request is read any more), and the server's side is shut.
    package static func linger(
        _ limits: LingeringClose,
        on context: ChannelHandlerContext,
        keeper: (any ConnectionDeadlineKeeper)?,
        recorder: JourneyRecorder?
    ) {
        keeper?.stopDeadlines()
        let handler = LingeringCloseHandler(limits: limits, recorder: recorder)
        do {
            try context.pipeline.syncOperations.addHandler(handler, position: .first)
        } catch {
            context.close(promise: nil)
        }
    }

    /// Shuts the server's side and starts the clocks.
    package func handlerAdded(context: ChannelHandlerContext) {
        let now = context.eventLoop.now
        self.lastRead = now
        self.recorder?.lingeringStarted()
        self.scheduleQuietTimer(at: now + self.limits.timeout, context: context)
        let loop = context.eventLoop.assumeIsolated()
        let whole = loop.scheduleTask(deadline: now + self.limits.time) { self.close(context: context) }
        context.channel.closeFuture.whenComplete { _ in whole.cancel() }
        // From the tail: TLS sends its close_notify first. A channel that cannot half-close is closed.
        let shut = context.eventLoop.makePromise(of: Void.self)
        context.channel.close(mode: .output, promise: shut)
        shut.futureResult.assumeIsolated().whenFailure { _ in self.close(context: context) }
    }

    /// Discards the bytes, counting them against the cap.
    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let count = Self.unwrapInboundIn(data).readableBytes
        self.discarded += count
        self.recorder?.lingeringDiscarded(bytes: count)
        self.lastRead = context.eventLoop.now
        if self.discarded > self.limits.maximumDiscardedBytes { self.close(context: context) }
    }

    /// Swallowed: nothing behind is reading.
    package func channelReadComplete(context: ChannelHandlerContext) {}

    /// The client closed its side: the exchange is over, cleanly.
    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { self.close(context: context) }
    }

    /// A reset or any other error ends the drain.
    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.close(context: context)
    }

    /// Stops the quiet timer.
    package func channelInactive(context: ChannelHandlerContext) {
        self.closed = true
        self.quietTimer?.cancel()
        context.fireChannelInactive()
    }

    private func scheduleQuietTimer(at deadline: NIODeadline, context: ChannelHandlerContext) {
        self.quietTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            let quietUntil = self.lastRead + self.limits.timeout
            if quietUntil <= context.eventLoop.now {
                self.close(context: context)
            } else {
                self.scheduleQuietTimer(at: quietUntil, context: context)
            }
        }
    }

    private func close(context: ChannelHandlerContext) {
        guard !self.closed else { return }
        self.closed = true
        self.quietTimer?.cancel()
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension LingeringCloseHandler: Sendable {}
