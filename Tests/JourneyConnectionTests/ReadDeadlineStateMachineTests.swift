import JourneyConnection
import NIOCore
import Testing

@Suite struct ReadDeadlineStateMachineTests {
    let timeouts = ConnectionTimeouts(
        headerRead: .seconds(1),
        bodyRead: .seconds(2),
        keepAliveIdle: .seconds(3),
        write: .seconds(4)
    )

    @Test func theFirstHeadCountsFromTheAccept() {
        var machine = ReadDeadlineStateMachine(timeouts: self.timeouts)
        #expect(machine.connectionOpened() == .arm(.seconds(1)))
        #expect(machine.bytesReceived() == .none)
        #expect(machine.bytesReceived() == .none)
        #expect(machine.headReceived(expectsBody: false) == .cancel)
    }

    @Test func aBodyRearmsWithEachPiece() {
        var machine = ReadDeadlineStateMachine(timeouts: self.timeouts)
        _ = machine.connectionOpened()
        _ = machine.bytesReceived()
        #expect(machine.headReceived(expectsBody: true) == .arm(.seconds(2)))
        #expect(machine.bytesReceived() == .arm(.seconds(2)))
        #expect(machine.requestReceived() == .cancel)
    }

    @Test func keepAliveThenAFreshHeaderClock() {
        var machine = ReadDeadlineStateMachine(timeouts: self.timeouts)
        _ = machine.connectionOpened()
        _ = machine.bytesReceived()
        _ = machine.headReceived(expectsBody: false)
        #expect(machine.bytesReceived() == .none)  // pipelined bytes while responding
        #expect(machine.responseSent() == .arm(.seconds(3)))
        #expect(machine.bytesReceived() == .arm(.seconds(1)))
        #expect(machine.bytesReceived() == .none)
    }
}
