import NIOCore

/// One `JourneyRecorder` per event loop of a server, found by the loop a connection runs on.
///
/// A connection looks its recorder up once, when it is set up; from then on it stamps into it directly.
package struct JourneyRecorders: Sendable {
    private let recorders: [ObjectIdentifier: NIOLoopBoundBox<JourneyRecorder>]
    /// The clock every recorder stamps with.
    package let clock: JourneyClock

    /// A recorder for each of `group`'s loops.
    package init(group: any EventLoopGroup, clock: JourneyClock, keepsRecentRequests: Bool) {
        var recorders: [ObjectIdentifier: NIOLoopBoundBox<JourneyRecorder>] = [:]
        for loop in group.makeIterator() {
            recorders[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(
                JourneyRecorder(clock: clock, keepsRecentRequests: keepsRecentRequests),
                eventLoop: loop
            )
        }
        self.recorders = recorders
        self.clock = clock
    }

    /// The recorder of `loop`; call it on `loop`.
    package func recorder(on loop: any EventLoop) -> JourneyRecorder? {
        self.recorders[ObjectIdentifier(loop)]?.value
    }

    /// One of the loops, for a promise that is about the recorders as a whole.
    package var anyEventLoop: (any EventLoop)? {
        self.recorders.values.first?.eventLoop
    }

    /// Sets, on every loop, how requests are counted by site (nil: not at all), so each recorder reads it without
    /// a lock.
    package func countSites(_ sites: SiteCounting?) {
        for bound in self.recorders.values {
            bound.eventLoop.execute { bound.value.sites = sites }
        }
    }

    /// Takes every loop's interval (each on its own loop) and merges them.
    package func takeIntervals() -> EventLoopFuture<JourneyInterval>? {
        let futures = self.recorders.values.map { bound in
            bound.eventLoop.submit { bound.value.takeInterval() }
        }
        guard let first = futures.first else { return nil }
        return EventLoopFuture.reduce(into: JourneyInterval(), futures, on: first.eventLoop) { total, interval in
            total.merge(interval)
        }
    }
}
