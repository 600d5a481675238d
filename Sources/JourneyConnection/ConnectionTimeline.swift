import JourneyCore
import NIOCore

/// The journey of one connection's requests, stamped by the taps along its pipeline.
///
/// The byte tap in front of the parser calls `bytesArrived()` on every read, the tap behind it
/// `headParsed()` and `bodyDecoded()` for every request; the request handler takes each request's
/// timeline in order, adds the Process and Write stamps and hands it to the loop's recorder once.
/// Pipelined requests get their own first-byte and parse stamps: the timelines wait here in order.
///
/// Its fields skip the runtime's exclusivity check (`@exclusivity(unchecked)`): every call comes from the
/// connection's event loop and none of its methods calls out while it changes them (the recorder it tells does
/// not call back), so the check could never fire; it cost a thread-local lookup on every stamp.
package final class ConnectionTimeline {
    /// The recorder of the connection's event loop, if the journey is recorded.
    package let recorder: JourneyRecorder?
    /// The clock the stamps come from.
    package let clock: JourneyClock
    /// Where the connection is in its request loop.
    @exclusivity(unchecked) package private(set) var phase = ConnectionPhase.idle
    /// The TLS handshake the connection began with, if it is encrypted.
    package let handshake: TLSHandshake?
    private let accepted: UInt64
    @exclusivity(unchecked) private var tlsDone: UInt64 = 0
    @exclusivity(unchecked) private var readStart: UInt64 = 0
    /// The first byte of the request not yet parsed, 0 while none has arrived.
    @exclusivity(unchecked) private var nextFirstByte: UInt64 = 0
    /// Parsed requests whose timelines the request handler has not taken yet, oldest first. An array, empty (no
    /// storage) on a connection whose requests all take the fast path; a pipelined few when it fills.
    @exclusivity(unchecked) private var parsed: [RequestTimeline] = []
    @exclusivity(unchecked) private var isClosed = false

    /// Stamps the accept now; counts the connection on `recorder`.
    package init(recorder: JourneyRecorder?, clock: JourneyClock) {
        self.recorder = recorder
        self.clock = clock
        self.accepted = clock.now()
        self.handshake = nil
        recorder?.connectionOpened()
    }

    /// A connection that began with `handshake`: its accept was stamped by the TLS decorator, and its first
    /// request carries the handshake as the Decrypt stage.
    package init(recorder: JourneyRecorder?, clock: JourneyClock, handshake: TLSHandshake) {
        self.recorder = recorder
        self.clock = clock
        self.accepted = handshake.accepted
        self.tlsDone = handshake.finished
        self.handshake = handshake
        recorder?.connectionOpened()
    }

    /// A timeline stamped into `journey`'s recorder for `channel`'s event loop (nothing is recorded when nil),
    /// starting with `handshake` when the connection is encrypted: how a protocol's `configure` makes one.
    package convenience init(journey: JourneyRecorders?, on channel: any Channel, after handshake: TLSHandshake? = nil)
    {
        let recorder = journey?.recorder(on: channel.eventLoop)
        let clock = journey?.clock ?? JourneyClock(running: false)
        if let handshake {
            self.init(recorder: recorder, clock: clock, handshake: handshake)
        } else {
            self.init(recorder: recorder, clock: clock)
        }
    }

    /// A timeline for a connection whose journey is not recorded.
    package convenience init() {
        self.init(recorder: nil, clock: JourneyClock(running: false))
    }

    /// Bytes arrived from the kernel (called at the start of each read).
    @inline(__always)
    package func bytesArrived() {
        self.readStart = self.clock.now()
        if self.nextFirstByte == 0 {
            self.nextFirstByte = self.readStart == 0 ? 1 : self.readStart
            if self.phase == .idle { self.move(to: .reading) }
        }
    }

    /// A read began, on a multiplexed connection (HTTP/2): only its instant is kept, for the streams it carries.
    @inline(__always)
    package func readStarted() {
        self.readStart = self.clock.now()
    }

    /// A multiplexed connection's stream delivered its head within the current read: its timeline starts at that
    /// read (the first stream of a TLS connection carries the handshake).
    package func streamHeadParsed() -> RequestTimeline {
        var timeline = RequestTimeline()
        timeline.accepted = self.accepted
        if self.tlsDone != 0 {
            timeline.tlsDone = self.tlsDone
            self.tlsDone = 0
        }
        timeline.firstByte = self.readStart
        timeline.headArrived = self.readStart
        timeline.headParsed = self.clock.now()
        return timeline
    }

    /// The parser delivered a request head, within the current read.
    package func headParsed() {
        self.parsed.append(self.parsedHead())
    }

    /// The fast path parsed a whole request that has no body, head and end at once, and answers it now: its
    /// timeline, taken as `takeRequestTimeline()` would (after any parsed before it). Its Decode stage ends at
    /// the instant its head is parsed, with one clock read for both.
    package func takeBodilessRequest() -> RequestTimeline {
        var timeline = self.parsedHead()
        timeline.bodyDecoded = timeline.headParsed
        self.nextFirstByte = 0
        guard !self.parsed.isEmpty else { return timeline }
        self.parsed.append(timeline)
        return self.parsed.removeFirst()
    }

    private func parsedHead() -> RequestTimeline {
        var timeline = RequestTimeline()
        timeline.accepted = self.accepted
        if self.tlsDone != 0 {
            timeline.tlsDone = self.tlsDone
            self.tlsDone = 0
        }
        // The head ends in this read; its first byte came with this read or an earlier one.
        timeline.firstByte = self.clock.isRunning && self.nextFirstByte != 0 ? self.nextFirstByte : self.readStart
        timeline.headArrived = self.readStart
        timeline.headParsed = self.clock.now()
        return timeline
    }

    /// The parser delivered the end of a request: whatever arrives next belongs to the next one.
    package func bodyDecoded() {
        if !self.parsed.isEmpty {
            self.parsed[self.parsed.index(before: self.parsed.endIndex)].bodyDecoded = self.clock.now()
        }
        self.nextFirstByte = 0
    }

    /// Whether a request head was parsed that the request handler has not taken yet: one held upstream (by an
    /// upgrade handler deciding on it, say) that still needs an answer.
    package var hasRequestsInFlight: Bool { !self.parsed.isEmpty }

    /// The oldest parsed request's timeline (an empty one, stamped now, for a request that never parsed).
    package func takeRequestTimeline() -> RequestTimeline {
        if !self.parsed.isEmpty { return self.parsed.removeFirst() }
        var timeline = RequestTimeline()
        timeline.accepted = self.accepted
        timeline.firstByte = self.nextFirstByte
        return timeline
    }

    /// The connection moved to `phase` in its request loop (an upgraded connection stays upgraded).
    @inline(__always)
    package func move(to phase: ConnectionPhase) {
        guard phase != self.phase, !self.isClosed, self.phase != .upgraded else { return }
        self.recorder?.connection(movedFrom: self.phase, to: phase)
        self.phase = phase
    }

    /// The response being written has left: the connection reads the next request or waits for one.
    package func responseWritten() {
        guard self.phase == .writing else { return }
        self.move(to: self.nextFirstByte == 0 ? .idle : .reading)
    }

    /// The connection closed.
    package func closed() {
        guard !self.isClosed else { return }
        self.recorder?.connectionClosed(in: self.phase)
        self.isClosed = true
    }
}

@available(*, unavailable)
extension ConnectionTimeline: Sendable {}
