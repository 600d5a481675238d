import NIOCore

/// Closes a TLS connection at once when both sides are done: NIOSSL, after sending its close_notify, waits (5 s)
/// for the peer's — which can never come once the peer has sent its FIN. nginx does not wait either.
///
/// Two handlers share this: one below NIOSSL sees the peer's FIN on the raw socket; one above it sees the
/// application's close. Whichever comes second closes the socket from below NIOSSL.
final class TLSCloseShortcut {
    private var peerFinished = false
    private var closeRequested = false
    private var socketSide: ChannelHandlerContext?

    /// Goes in front of the TLS handler.
    var socketHandler: SocketSide { SocketSide(self) }
    /// Goes right behind the TLS handler.
    var applicationHandler: ApplicationSide { ApplicationSide(self) }

    /// Watches the raw socket for the peer's FIN.
    final class SocketSide: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny
        private let shortcut: TLSCloseShortcut

        init(_ shortcut: TLSCloseShortcut) {
            self.shortcut = shortcut
        }

        func handlerAdded(context: ChannelHandlerContext) {
            self.shortcut.socketSide = context
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            self.shortcut.socketSide = nil
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case ChannelEvent.inputClosed = event {
                self.shortcut.peerFinished = true
                if self.shortcut.closeRequested {
                    context.close(promise: nil)
                    return
                }
            }
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Watches the application's close.
    final class ApplicationSide: ChannelOutboundHandler, RemovableChannelHandler {
        typealias OutboundIn = NIOAny
        private let shortcut: TLSCloseShortcut

        init(_ shortcut: TLSCloseShortcut) {
            self.shortcut = shortcut
        }

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            guard mode == .all else {
                context.close(mode: mode, promise: promise)
                return
            }
            self.shortcut.closeRequested = true
            if self.shortcut.peerFinished, let socketSide = self.shortcut.socketSide {
                socketSide.close(mode: .all, promise: promise)
            } else {
                context.close(mode: mode, promise: promise)
            }
        }
    }
}

@available(*, unavailable)
extension TLSCloseShortcut: Sendable {}

@available(*, unavailable)
extension TLSCloseShortcut.SocketSide: Sendable {}

@available(*, unavailable)
extension TLSCloseShortcut.ApplicationSide: Sendable {}
