import NIOCore

/// Which read deadline a connection is under, as a pure state machine: each event returns what to do
/// with the timer, so the handler only performs actions and the rules are tested without a clock.
///
/// A connection waits for a request (keep-alive idle, or the header timeout for the very first one),
/// reads a head (header timeout from its first byte), may read a body (body timeout, re-armed by each
/// piece), then responds with no read deadline at all, and waits again.
public struct ReadDeadlineStateMachine: Sendable {
    private enum Phase: Sendable {
        case awaitingRequest(isFirst: Bool)
        case readingHead
        case readingBody
        case responding
    }

    /// What the handler does with its read timer.
    public enum Action: Equatable, Sendable {
        /// Leave the timer as it is.
        case none
        /// (Re)start the timer to fire after this long.
        case arm(TimeAmount)
        /// Stop the timer.
        case cancel
    }

    private let timeouts: ConnectionTimeouts
    private var phase = Phase.awaitingRequest(isFirst: true)

    /// Creates the machine for a connection that was just accepted.
    public init(timeouts: ConnectionTimeouts) {
        self.timeouts = timeouts
    }

    /// The connection became active: the first request must arrive within the header timeout.
    public func connectionOpened() -> Action {
        .arm(self.timeouts.headerRead)
    }

    /// Bytes arrived from the client.
    public mutating func bytesReceived() -> Action {
        switch self.phase {
        case .awaitingRequest(let isFirst):
            self.phase = .readingHead
            // The first head's clock started at the accept; a later one's starts with its first byte.
            return isFirst ? .none : .arm(self.timeouts.headerRead)
        case .readingHead:
            return .none
        case .readingBody:
            return .arm(self.timeouts.bodyRead)
        case .responding:
            // Pipelined bytes of the next request: their clock starts when the response is out.
            return .none
        }
    }

    /// A request head was parsed; `expectsBody` when body bytes are still to come.
    public mutating func headReceived(expectsBody: Bool) -> Action {
        if expectsBody {
            self.phase = .readingBody
            return .arm(self.timeouts.bodyRead)
        }
        self.phase = .responding
        return .cancel
    }

    /// The whole request was read.
    public mutating func requestReceived() -> Action {
        self.phase = .responding
        return .cancel
    }

    /// The response was written: wait for the next request.
    public mutating func responseSent() -> Action {
        self.phase = .awaitingRequest(isFirst: false)
        return .arm(self.timeouts.keepAliveIdle)
    }
}
