/// Whether a WebSocket peer is still there: a ping goes out each interval, and a ping that nothing answers
/// within the pong timeout ends the connection. Any frame from the peer counts as an answer (it is alive).
struct WebSocketKeepaliveStateMachine {
    enum Action: Equatable {
        case none
        /// Send a ping, and check again after the pong timeout (passing `ping`).
        case sendPing(ping: UInt64)
        /// The peer did not answer: close.
        case close
    }

    private enum State {
        case answered
        case awaitingPong(ping: UInt64)
    }

    private var state = State.answered
    private var pings: UInt64 = 0

    /// The ping interval came round.
    mutating func pingIntervalElapsed() -> Action {
        guard case .answered = self.state else { return .none }
        self.pings &+= 1
        self.state = .awaitingPong(ping: self.pings)
        return .sendPing(ping: self.pings)
    }

    /// A frame arrived from the peer.
    mutating func frameReceived() {
        self.state = .answered
    }

    /// The pong timeout of ping number `ping` came round.
    func pongTimeoutElapsed(ping: UInt64) -> Action {
        guard case .awaitingPong(let awaited) = self.state, awaited == ping else { return .none }
        return .close
    }
}
