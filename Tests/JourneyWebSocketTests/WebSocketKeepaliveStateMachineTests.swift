import Testing

@testable import JourneyWebSocket

@Suite struct WebSocketKeepaliveStateMachineTests {
    @Test func anAnsweredPingLeadsToTheNextPing() {
        var machine = WebSocketKeepaliveStateMachine()
        #expect(machine.pingIntervalElapsed() == .sendPing(ping: 1))
        machine.frameReceived()
        #expect(machine.pongTimeoutElapsed(ping: 1) == .none)
        #expect(machine.pingIntervalElapsed() == .sendPing(ping: 2))
    }

    @Test func anUnansweredPingCloses() {
        var machine = WebSocketKeepaliveStateMachine()
        #expect(machine.pingIntervalElapsed() == .sendPing(ping: 1))
        // No second ping while the first is unanswered: the timeout decides.
        #expect(machine.pingIntervalElapsed() == .none)
        #expect(machine.pongTimeoutElapsed(ping: 1) == .close)
    }

    @Test func anOldPingsTimeoutDoesNotCloseANewerOne() {
        var machine = WebSocketKeepaliveStateMachine()
        _ = machine.pingIntervalElapsed()
        machine.frameReceived()
        #expect(machine.pingIntervalElapsed() == .sendPing(ping: 2))
        #expect(machine.pongTimeoutElapsed(ping: 1) == .none)
        #expect(machine.pongTimeoutElapsed(ping: 2) == .close)
    }
}
