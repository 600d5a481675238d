import NIOCore

/// Which read deadline a connection is under, as a pure state machine: each event returns what to do
/// with the timer, so the handler only performs actions and the rules are tested without a clock.
///
/// A connection waits for a request (keep-alive idle, or the header timeout for the very first one),
/// reads a head (header timeout from its first byte), may read a body, then responds with no read deadline at all,
/// and waits again. A body is held to two deadlines at once: no pause between two pieces longer than the body
/// timeout, and, after a grace period, an average rate of at least `ConnectionTimeouts.minimumBodyRate` since its
/// head (Kestrel's `MinRequestBodyDataRate`): a body trickled a byte a second pauses never, yet would be read for
/// days (R-U-Dead-Yet). The body events carry the time, the others need none (they run for every request).
package struct ReadDeadlineStateMachine: Sendable {
    private enum Phase: Sendable {
        case awaitingRequest(isFirst: Bool)
        case readingHead
        /// Boxed: every idle connection keeps a phase, and only one reading a body needs the progress.
        indirect case readingBody(BodyProgress)
        case responding
        /// A body deadline passed: the protocol handler answers 408 and lingers; if it does not, the connection
        /// closes when this timer fires.
        case bodyLapsed
    }

    /// How far a body has come, against both of its deadlines.
    private struct BodyProgress: Sendable {
        var started: NIODeadline
        var received: Int
        var pauseDeadline: NIODeadline
        var rateDeadline: NIODeadline
    }

    /// What the handler does with its read timer.
    package enum Action: Equatable, Sendable {
        /// Leave the timer as it is.
        case none
        /// (Re)start the timer to fire after this long.
        case arm(TimeAmount)
        /// Stop the timer.
        case cancel
    }

    /// Why a read deadline passed, and so what the connection does.
    package enum Lapse: Equatable, Sendable {
        /// No request head (or none in time): close, there is nothing to answer.
        case request
        /// The body paused longer than the body timeout: answer 408 and close.
        case bodyPaused
        /// The body came in slower than the minimum rate: answer 408 and close.
        case bodyTooSlow
        /// A lapsed body's answer never started lingering: close.
        case unanswered
    }

    /// What of `ConnectionTimeouts` the machine uses: every connection keeps a copy, so no more than that.
    private struct Limits: Sendable {
        var headerRead: TimeAmount
        var bodyRead: TimeAmount
        var keepAliveIdle: TimeAmount
        var lingeringTimeout: TimeAmount
        /// 0 bytes per second when there is none (an optional would take a word more).
        var minimumBodyRate: MinimumDataRate
    }

    private let timeouts: Limits
    private var phase = Phase.awaitingRequest(isFirst: true)

    /// Creates the machine for a connection that was just accepted.
    package init(timeouts: ConnectionTimeouts) {
        self.timeouts = Limits(
            headerRead: timeouts.headerRead,
            bodyRead: timeouts.bodyRead,
            keepAliveIdle: timeouts.keepAliveIdle,
            lingeringTimeout: timeouts.lingering.timeout,
            minimumBodyRate: timeouts.minimumBodyRate ?? MinimumDataRate(bytesPerSecond: 0, gracePeriod: .zero)
        )
    }

    /// Whether body bytes are being read: they go to `bodyBytesReceived(_:at:)`, with the time.
    package var isReadingBody: Bool {
        if case .readingBody = self.phase { return true }
        return false
    }

    /// The connection became active: the first request must arrive within the header timeout.
    package func connectionOpened() -> Action {
        .arm(self.timeouts.headerRead)
    }

    /// Bytes arrived from the client outside a body.
    package mutating func bytesReceived() -> Action {
        switch self.phase {
        case .awaitingRequest(let isFirst):
            self.phase = .readingHead
            // The first head's clock started at the accept; a later one's starts with its first byte.
            return isFirst ? .none : .arm(self.timeouts.headerRead)
        case .readingHead, .readingBody, .bodyLapsed:
            return .none
        case .responding:
            // Pipelined bytes of the next request: their clock starts when the response is out.
            return .none
        }
    }

    /// A request head was parsed with no body to follow.
    package mutating func headReceived() -> Action {
        self.phase = .responding
        return .cancel
    }

    /// A request head was parsed at `now`, and its body is still to come.
    package mutating func bodyExpected(at now: NIODeadline) -> Action {
        var body = BodyProgress(
            started: now,
            received: 0,
            pauseDeadline: now + self.timeouts.bodyRead,
            rateDeadline: .distantFuture
        )
        body.rateDeadline = self.rateDeadline(for: body)
        self.phase = .readingBody(body)
        return .arm(min(body.pauseDeadline, body.rateDeadline) - now)
    }

    /// `count` body bytes arrived at `now` (the bytes of a read while a body is expected).
    package mutating func bodyBytesReceived(_ count: Int, at now: NIODeadline) -> Action {
        guard case .readingBody(var body) = self.phase else { return self.bytesReceived() }
        body.received += count
        body.pauseDeadline = now + self.timeouts.bodyRead
        body.rateDeadline = self.rateDeadline(for: body)
        self.phase = .readingBody(body)
        return .arm(min(body.pauseDeadline, body.rateDeadline) - now)
    }

    /// The instant the body falls below the minimum rate if nothing more arrives: the grace period, or as long
    /// as the bytes so far pay for at the minimum rate and a second more, whichever is later. The second is the
    /// slack Kestrel's once-a-second check gives: a client that sends at the rate in bursts a second apart is not
    /// cut between two of them.
    private func rateDeadline(for body: BodyProgress) -> NIODeadline {
        let rate = self.timeouts.minimumBodyRate
        guard rate.bytesPerSecond > 0 else { return .distantFuture }
        let (scaled, overflow) = body.received.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .distantFuture }
        let earned = TimeAmount.nanoseconds(Int64(scaled / rate.bytesPerSecond)) + .seconds(1)
        return body.started + max(rate.gracePeriod, earned)
    }

    /// The whole request was read.
    package mutating func requestReceived() -> Action {
        self.phase = .responding
        return .cancel
    }

    /// The response was written: wait for the next request.
    package mutating func responseSent() -> Action {
        self.phase = .awaitingRequest(isFirst: false)
        return .arm(self.timeouts.keepAliveIdle)
    }

    /// The read deadline passed: why, and (for a body) the deadline its answer has to start lingering by.
    package mutating func deadlinePassed() -> (lapse: Lapse, action: Action) {
        switch self.phase {
        case .readingBody(let body):
            self.phase = .bodyLapsed
            let lapse: Lapse = body.rateDeadline < body.pauseDeadline ? .bodyTooSlow : .bodyPaused
            return (lapse, .arm(self.timeouts.lingeringTimeout))
        case .bodyLapsed:
            return (.unanswered, .cancel)
        case .awaitingRequest, .readingHead, .responding:
            return (.request, .cancel)
        }
    }
}
