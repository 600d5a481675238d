import JourneyConnection
import NIOCore
import Testing

@Suite struct ReadDeadlineStateMachineTests {
    let timeouts = ConnectionTimeouts(
        headerRead: .seconds(1),
        bodyRead: .seconds(2),
        keepAliveIdle: .seconds(3),
        write: .seconds(4),
        minimumBodyRate: nil
    )
    /// The instant the tests' bodies start at.
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    @Test func theFirstHeadCountsFromTheAccept() {
        var machine = ReadDeadlineStateMachine(timeouts: self.timeouts)
        #expect(machine.connectionOpened() == .arm(.seconds(1)))
        #expect(machine.bytesReceived() == .none)
        #expect(machine.bytesReceived() == .none)
        #expect(machine.headReceived() == .cancel)
    }

    @Test func aBodyRearmsWithEachPiece() {
        var machine = ReadDeadlineStateMachine(timeouts: self.timeouts)
        _ = machine.connectionOpened()
        _ = machine.bytesReceived()
        #expect(machine.bodyExpected(at: self.start) == .arm(.seconds(2)))
        #expect(machine.isReadingBody)
        #expect(machine.bodyBytesReceived(10, at: self.start + .milliseconds(500)) == .arm(.seconds(2)))
        #expect(machine.requestReceived() == .cancel)
        #expect(!machine.isReadingBody)
    }

    @Test func keepAliveThenAFreshHeaderClock() {
        var machine = ReadDeadlineStateMachine(timeouts: self.timeouts)
        _ = machine.connectionOpened()
        _ = machine.bytesReceived()
        _ = machine.headReceived()
        #expect(machine.bytesReceived() == .none)  // pipelined bytes while responding
        #expect(machine.responseSent() == .arm(.seconds(3)))
        #expect(machine.bytesReceived() == .arm(.seconds(1)))
        #expect(machine.bytesReceived() == .none)
    }

    @Test func aPausedBodyLapsesAsPausedAndGivesItsAnswerTheLingeringTimeout() {
        var machine = ReadDeadlineStateMachine(timeouts: self.timeouts)
        _ = machine.bodyExpected(at: self.start)
        let (lapse, action) = machine.deadlinePassed()
        #expect(lapse == .bodyPaused)
        #expect(action == .arm(self.timeouts.lingering.timeout))
        // Nobody started lingering in time: close.
        #expect(machine.deadlinePassed().lapse == .unanswered)
    }

    @Test func headAndIdleDeadlinesClose() {
        var machine = ReadDeadlineStateMachine(timeouts: self.timeouts)
        _ = machine.connectionOpened()
        #expect(machine.deadlinePassed().lapse == .request)
        _ = machine.bytesReceived()
        _ = machine.headReceived()
        _ = machine.responseSent()
        #expect(machine.deadlinePassed().lapse == .request)
    }

    /// Kestrel's rule, 240 bytes/s after a 5 s grace period, under a long body timeout (60 s): each row is a body's
    /// pieces (milliseconds after its head, bytes) and the deadline the last one leaves (milliseconds after the head).
    @Test(arguments: [
        // Nothing yet: the grace period.
        ([(Int, Int)](), 5_000),
        // A trickle of a byte a second never pauses, yet its rate ends it at the grace period.
        ([(1_000, 1), (2_000, 1), (3_000, 1), (4_000, 1)], 5_000),
        // 2,400 bytes at once pay for 10 s, and the second of slack.
        ([(100, 2_400)], 11_000),
        // 250 bytes a second, in bursts: each burst comes before the last one's deadline.
        ([(1_000, 250), (2_000, 250), (3_000, 250), (4_000, 250), (5_000, 250), (6_000, 250)], 7_250),
        // 24,000 bytes pay for 100 s, but the body timeout (60 s after the last piece) comes first.
        ([(1_000, 24_000)], 61_000),
    ])
    func theMinimumRateBoundsABody(pieces: [(Int, Int)], deadline: Int) {
        var timeouts = self.timeouts
        timeouts.bodyRead = .seconds(60)
        timeouts.minimumBodyRate = MinimumDataRate(bytesPerSecond: 240, gracePeriod: .seconds(5))
        var machine = ReadDeadlineStateMachine(timeouts: timeouts)
        var action = machine.bodyExpected(at: self.start)
        var last = 0
        for (at, bytes) in pieces {
            action = machine.bodyBytesReceived(bytes, at: self.start + .milliseconds(Int64(at)))
            last = at
        }
        #expect(action == .arm(.milliseconds(Int64(deadline - last))))
    }

    @Test func aBodyBelowTheRateLapsesAsTooSlow() {
        var timeouts = self.timeouts
        timeouts.bodyRead = .seconds(60)
        timeouts.minimumBodyRate = MinimumDataRate(bytesPerSecond: 240, gracePeriod: .seconds(5))
        var machine = ReadDeadlineStateMachine(timeouts: timeouts)
        _ = machine.bodyExpected(at: self.start)
        _ = machine.bodyBytesReceived(1, at: self.start + .seconds(4))
        #expect(machine.deadlinePassed().lapse == .bodyTooSlow)
    }

    /// Every connection, idle ones included, keeps a machine inline: a body's progress is boxed, not kept by all.
    @Test func theMachineStaysSmall() {
        #expect(MemoryLayout<ReadDeadlineStateMachine>.size <= 64)
    }

    @Test func aRateOfZeroIsOff() {
        var timeouts = self.timeouts
        timeouts.minimumBodyRate = MinimumDataRate(bytesPerSecond: 0, gracePeriod: .seconds(1))
        var machine = ReadDeadlineStateMachine(timeouts: timeouts)
        #expect(machine.bodyExpected(at: self.start) == .arm(.seconds(2)))
        #expect(machine.deadlinePassed().lapse == .bodyPaused)
    }
}
