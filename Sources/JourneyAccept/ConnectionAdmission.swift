import NIOConcurrencyHelpers
import NIOCore

/// The connection cap (`--max-connections`): at the cap the listeners stop accepting, so the burst
/// waits in the kernel's accept queue, and they resume below a low-water mark.
///
/// Nothing is ever accepted and then closed: the cap is enforced by not calling accept(2) at all, which
/// is also what makes the accept queue's depth visible to the operator.
package final class ConnectionAdmission: Sendable {
    private struct State {
        var count = 0
        var peak = 0
        var paused = false
        var pausedByOperator = false
        var listeners: [any Channel] = []
    }

    /// The most connections open at once; nil for no cap.
    package let maximum: Int?
    private let lowWater: Int
    private let state = NIOLockedValueBox(State())

    /// Creates the admission control; accepting resumes at 90% of `maximum`.
    package init(maximum: Int?) {
        self.maximum = maximum
        self.lowWater = maximum.map { max(0, min($0 - 1, $0 * 9 / 10)) } ?? 0
    }

    /// Connections admitted and not yet closed.
    package var count: Int { self.state.withLockedValue { $0.count } }

    /// The most connections that were open at once.
    package var peak: Int { self.state.withLockedValue { $0.peak } }

    /// Whether the listeners are paused at the cap.
    package var isPaused: Bool { self.state.withLockedValue { $0.paused } }

    /// Whether an operator (or a test) paused accepting.
    package var isPausedByOperator: Bool { self.state.withLockedValue { $0.pausedByOperator } }

    /// Stops calling accept(2) until `resumeAccepting()`: new connections complete their handshake and
    /// wait in the kernel's accept queue (and overflow it), which is how the Accept stage's numbers are
    /// checked against `ss -ltn` — and how an operator holds traffic in the kernel for a moment.
    package func pauseAccepting() async {
        let listeners = self.state.withLockedValue { state in
            state.pausedByOperator = true
            return state.listeners
        }
        for listener in listeners {
            try? await self.settle(listener).get()
        }
    }

    /// Accepts again (unless the connection cap still holds the listeners paused).
    package func resumeAccepting() async {
        let listeners = self.state.withLockedValue { state in
            state.pausedByOperator = false
            return state.listeners
        }
        for listener in listeners {
            try? await self.settle(listener).get()
        }
    }

    /// A listening channel to pause and resume.
    func addListener(_ channel: any Channel) {
        self.state.withLockedValue { $0.listeners.append(channel) }
    }

    /// Counts a freshly accepted connection (on its listener's event loop) until it closes.
    func admit(_ child: any Channel) {
        let listenersToPause: [any Channel] = self.state.withLockedValue { state in
            state.count += 1
            state.peak = max(state.peak, state.count)
            guard let maximum = self.maximum, state.count >= maximum, !state.paused else { return [] }
            state.paused = true
            return state.pausedByOperator ? [] : state.listeners
        }
        // On the accepting loop this takes effect before the next accept(2).
        for listener in listenersToPause {
            self.settle(listener).whenFailure { _ in }
        }
        child.closeFuture.whenComplete { _ in self.release() }
    }

    private func release() {
        let listenersToResume: [any Channel] = self.state.withLockedValue { state in
            state.count -= 1
            guard state.paused, state.count <= self.lowWater else { return [] }
            state.paused = false
            return state.pausedByOperator ? [] : state.listeners
        }
        for listener in listenersToResume {
            self.settle(listener).whenFailure { _ in }
        }
    }

    /// Makes `listener` accept or not as the state says when its own loop gets to it — not as it said
    /// when the change was asked for: a resume that arrives after the listener has filled up to the cap
    /// again must not accept one more. (Turning autoRead on reads by itself; an explicit `read()` would
    /// accept once even at the cap.)
    private func settle(_ listener: any Channel) -> EventLoopFuture<Void> {
        let settleNow: @Sendable () -> EventLoopFuture<Void> = {
            let accepting = self.state.withLockedValue { !$0.paused && !$0.pausedByOperator }
            return listener.setOption(.autoRead, value: accepting)
        }
        // Inline on the listener's loop, so a pause from `admit` holds before the next accept(2).
        return listener.eventLoop.inEventLoop ? settleNow() : listener.eventLoop.flatSubmit(settleNow)
    }
}

/// Sits on a listening channel, before NIO's accept handler, and tells admission about each connection.
final class AdmissionHandler: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let admission: ConnectionAdmission

    init(admission: ConnectionAdmission) {
        self.admission = admission
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.admission.admit(Self.unwrapInboundIn(data))
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension AdmissionHandler: Sendable {}
