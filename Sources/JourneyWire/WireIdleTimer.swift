import JourneyCore
import Logging
import NIOCore

/// Closes a connection that has been silent (no bytes either way) for its idle timeout. Activity only notes
/// the time; the timer is re-armed when it fires early, not on every read.
final class WireIdleTimer {
    private let timeout: TimeAmount?
    private let onIdle: () -> Void
    private var lastActivity = NIODeadline.uptimeNanoseconds(0)
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount?, onIdle: @escaping () -> Void) {
        self.timeout = timeout
        self.onIdle = onIdle
    }

    /// A started timer that closes `context`'s connection once it has idled `timeout`, logged (info, as nginx
    /// logs a client timeout) and counted for the protocol in `slot`.
    static func closing(
        _ context: ChannelHandlerContext,
        after timeout: TimeAmount?,
        recorder: JourneyRecorder?,
        slot: Int,
        logger: Logger
    ) -> WireIdleTimer {
        let timer = WireIdleTimer(timeout: timeout) {
            logger.info("idle timeout, closing the connection")
            recorder?.idleTimeout(slot: slot)
            context.close(promise: nil)
        }
        timer.start(on: context.eventLoop)
        return timer
    }

    /// Starts counting on `loop` (the connection's).
    func start(on loop: any EventLoop) {
        self.lastActivity = loop.now
        self.arm(in: self.timeout, on: loop)
    }

    /// Bytes went one way or the other.
    func touch(_ now: NIODeadline) {
        self.lastActivity = now
    }

    func cancel() {
        self.timer?.cancel()
        self.timer = nil
    }

    private func arm(in delay: TimeAmount?, on loop: any EventLoop) {
        guard let delay else { return }
        self.timer = loop.assumeIsolated().scheduleTask(in: delay) { self.fired(on: loop) }
    }

    private func fired(on loop: any EventLoop) {
        guard let timeout = self.timeout else { return }
        let idle = loop.now - self.lastActivity
        if idle >= timeout {
            self.onIdle()
        } else {
            self.arm(in: timeout - idle, on: loop)
        }
    }
}

@available(*, unavailable)
extension WireIdleTimer: Sendable {}
