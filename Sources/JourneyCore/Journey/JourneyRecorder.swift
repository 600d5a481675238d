import NIOCore

/// One event loop's tally of the journey: the stages stamp requests into it, the statistics collect it.
///
/// It belongs to its event loop: every call comes from that loop, so counting takes no lock and no atomic
/// (nginx's log phase, per worker). Once a second `takeInterval()` hands the counts over and starts afresh.
/// For the same reason its counts skip the runtime's exclusivity check (`@exclusivity(unchecked)`): no method calls
/// out while it changes them, so the check, a thread-local lookup on every count, could never fire.
package final class JourneyRecorder {
    /// The clock the stages on this loop stamp with.
    package let clock: JourneyClock
    /// Whether the last requests are kept for the dashboard's waterfall.
    package let keepsRecentRequests: Bool
    @exclusivity(unchecked) private var interval = JourneyInterval()
    /// Per-protocol counts, one slot per wire protocol seen on this loop (`slot(forProtocol:)`).
    private var protocols: [ProtocolTally] = []
    /// Per-listener TLS handshake counts (`slot(forTLSListener:)`).
    private var handshakes: [HandshakeTally] = []
    @exclusivity(unchecked) private var phases = Array(repeating: 0, count: ConnectionPhase.allCases.count)
    @exclusivity(unchecked) private var recent: [RecentRequest] = []
    @exclusivity(unchecked) private var nextRecent = 0
    /// How many of `recent` arrived since the last `takeInterval()`.
    @exclusivity(unchecked) private var newRecent = 0

    /// How requests are counted by site (`Server` sets it when there are sites, and again on a reload); nil counts
    /// no sites.
    package var sites: SiteCounting? {
        didSet { self.siteTallies = Array(repeating: SiteTally(), count: self.sites?.names.count ?? 0) }
    }
    /// Each site's counts since the last `takeInterval()`, by its place in `sites.names`: an array, so counting a
    /// request is an index, not a hash of the site's name.
    @exclusivity(unchecked) private var siteTallies: [SiteTally] = []

    /// How many recent requests are kept.
    package static let recentCapacity = 50
    /// `Stage.allCases` made once (the synthesized property builds a new array on every call).
    private static let stages = Stage.allCases
    /// The stages a wire protocol's message crosses.
    private static let messageStages: [Stage] = [.read, .parse, .process, .write, .total]

    /// A recorder stamping with `clock`.
    package init(clock: JourneyClock, keepsRecentRequests: Bool = false) {
        self.clock = clock
        self.keepsRecentRequests = keepsRecentRequests
        self.recent.reserveCapacity(Self.recentCapacity)
    }

    /// A connection was accepted on this loop; it starts idle.
    package func connectionOpened() {
        self.interval.accepted &+= 1
        self.phases[ConnectionPhase.idle.rawValue] &+= 1
    }

    /// A connection closed while in `phase`.
    package func connectionClosed(in phase: ConnectionPhase) {
        self.phases[phase.rawValue] &-= 1
    }

    /// A connection moved between phases of its request loop.
    @inline(__always)
    package func connection(movedFrom old: ConnectionPhase, to new: ConnectionPhase) {
        self.phases[old.rawValue] &-= 1
        self.phases[new.rawValue] &+= 1
    }

    /// A request's last byte was written: count it, its status class, its bytes and its stages.
    package func requestFinished(
        _ timeline: RequestTimeline,
        status: Int,
        bodyBytes: Int,
        request: Request,
        requestID: String? = nil,
        client: SocketAddress? = nil
    ) {
        self.record(
            timeline,
            status: status,
            bodyBytes: bodyBytes,
            method: request.head.method.rawValue,
            path: request.head.path.map { $0[...] } ?? "",
            host: request.head.authority?[...],
            requestID: requestID,
            client: client
        )
    }

    /// A request's last byte was written, told by its method and target alone: a request a fast path answered
    /// without a `Request` (HTTP/1.1's ahead of llhttp, HTTP/2's without a stream channel), counted as such too.
    package func requestFinished(
        _ timeline: RequestTimeline,
        status: Int,
        bodyBytes: Int,
        method: String,
        path: Substring,
        host: Substring? = nil
    ) {
        self.interval.fastPathAnswers &+= 1
        self.record(timeline, status: status, bodyBytes: bodyBytes, method: method, path: path, host: host)
    }

    @inline(__always)
    private func record(
        _ timeline: RequestTimeline,
        status: Int,
        bodyBytes: Int,
        method: String,
        path: Substring,
        host: Substring?,
        requestID: String? = nil,
        client: SocketAddress? = nil
    ) {
        self.interval.requests &+= 1
        self.interval.statusClasses[min(max(status / 100, 0), 5)] &+= 1
        self.interval.bodyBytes &+= UInt64(bodyBytes)
        if let sites = self.sites {
            self.siteTallies[sites.site(host)].count(status: status, bodyBytes: bodyBytes)
        }
        guard self.clock.isRunning else { return }
        for stage in Self.stages {
            if let nanoseconds = timeline.duration(of: stage) {
                self.interval.stages[stage.rawValue].record(nanoseconds)
            }
        }
        guard self.keepsRecentRequests else { return }
        let entry = RecentRequest(
            timeline: timeline,
            status: status,
            method: method,
            path: String(path),
            bodyBytes: bodyBytes,
            requestID: requestID,
            client: client?.ipAddress
        )
        if self.recent.count < Self.recentCapacity {
            self.recent.append(entry)
        } else {
            self.recent[self.nextRecent] = entry
        }
        self.nextRecent = (self.nextRecent + 1) % Self.recentCapacity
        self.newRecent = min(self.newRecent + 1, Self.recentCapacity)
    }

    /// A WebSocket data frame arrived carrying `bytes` of payload; `completesMessage` when it was the last.
    @inline(__always)
    package func webSocketFrameReceived(bytes: Int, completesMessage: Bool) {
        self.interval.webSockets.bytesReceived &+= UInt64(bytes)
        if completesMessage { self.interval.webSockets.messagesReceived &+= 1 }
    }

    /// A WebSocket data frame left for the peer carrying `bytes` of payload.
    @inline(__always)
    package func webSocketFrameSent(bytes: Int, completesMessage: Bool) {
        self.interval.webSockets.bytesSent &+= UInt64(bytes)
        if completesMessage { self.interval.webSockets.messagesSent &+= 1 }
    }

    /// A message for a slow WebSocket peer was dropped.
    package func webSocketMessageDropped() {
        self.interval.webSockets.messagesDropped &+= 1
    }

    /// A slow WebSocket peer was disconnected.
    package func webSocketSlowConsumerDisconnected() {
        self.interval.webSockets.slowConsumersDisconnected &+= 1
    }

    /// A request body was too slow: its connection is answered 408 and closed.
    package func requestBodyTimedOut(belowMinimumRate: Bool) {
        if belowMinimumRate {
            self.interval.slowClients.bodiesBelowMinimumRate &+= 1
        } else {
            self.interval.slowClients.bodiesPaused &+= 1
        }
    }

    /// A connection answered early started draining before its close.
    package func lingeringStarted() {
        self.interval.slowClients.lingeringCloses &+= 1
    }

    /// A draining connection discarded `bytes`.
    package func lingeringDiscarded(bytes: Int) {
        self.interval.slowClients.lingeringBytesDiscarded &+= UInt64(bytes)
    }

    /// The slot the messages of the wire protocol `name` are counted in; a connection asks once, when set up.
    package func slot(forProtocol name: String) -> Int {
        if let index = self.protocols.firstIndex(where: { $0.name == name }) { return index }
        self.protocols.append(ProtocolTally(name: name))
        return self.protocols.count - 1
    }

    /// A connection of the protocol in `slot` opened (`opened`) or closed.
    package func protocolConnection(opened: Bool, slot: Int) {
        if opened {
            self.interval.accepted &+= 1
            self.protocols[slot].connectionsOpened &+= 1
            self.protocols[slot].openConnections += 1
        } else {
            self.protocols[slot].openConnections -= 1
        }
    }

    /// The handler of the protocol in `slot` finished with a message: count it and its stages.
    package func messageFinished(_ timeline: RequestTimeline, slot: Int) {
        self.messagesFinished([timeline], slot: slot)
    }

    /// The protocol in `slot` finished with `timelines`' messages (the answers of one read, written together):
    /// count them and their stages, a histogram at a time.
    package func messagesFinished(_ timelines: [RequestTimeline], slot: Int) {
        self.protocols[slot].messages &+= UInt64(timelines.count)
        guard self.clock.isRunning else { return }
        // A message has no TLS handshake of its own and no body apart from its frame.
        for stage in Self.messageStages {
            self.protocols[slot].stages[stage.rawValue].record(timelines.count) { timelines[$0].duration(of: stage) }
        }
    }

    /// The answers to `timelines`' messages were just handed to the kernel: their last-byte stamp is now; they
    /// are counted, and `timelines` is emptied (keeping its storage for the next batch).
    package func messagesWritten(_ timelines: inout [RequestTimeline], slot: Int) {
        guard !timelines.isEmpty else { return }
        let written = self.clock.now()
        for index in timelines.indices { timelines[index].lastByteWritten = written }
        self.messagesFinished(timelines, slot: slot)
        timelines.removeAll(keepingCapacity: true)
    }

    /// A connection of the protocol in `slot` was closed for a malformed or oversized frame.
    package func malformedFrame(slot: Int) {
        self.protocols[slot].malformedFrames &+= 1
    }

    /// A connection of the protocol in `slot` was closed for idling past its idle timeout.
    package func idleTimeout(slot: Int) {
        self.protocols[slot].idleTimeouts &+= 1
    }

    /// The slot the handshakes of the TLS listener `name` are counted in; a listener asks once per connection.
    package func slot(forTLSListener name: String) -> Int {
        if let index = self.handshakes.firstIndex(where: { $0.listener == name }) { return index }
        self.handshakes.append(HandshakeTally(listener: name))
        return self.handshakes.count - 1
    }

    /// A handshake on the listener in `slot` finished, `nanoseconds` after the accept.
    package func handshakeFinished(slot: Int, nanoseconds: UInt64?, version: String, applicationProtocol: String?) {
        self.handshakes[slot].completed &+= 1
        self.handshakes[slot].versions[version, default: 0] &+= 1
        self.handshakes[slot].applicationProtocols[applicationProtocol ?? "none", default: 0] &+= 1
        if let nanoseconds { self.handshakes[slot].durations.record(nanoseconds) }
    }

    /// A handshake on the listener in `slot` failed or timed out.
    package func handshakeFailed(slot: Int) {
        self.handshakes[slot].failed &+= 1
    }

    /// What was counted since the last call (the requests finished since then among the last 50), and the
    /// connection phases now; the counts start afresh.
    package func takeInterval() -> JourneyInterval {
        var taken = self.interval
        taken.phases = self.phases
        taken.protocols = self.protocols
        for index in self.protocols.indices { self.protocols[index].reset() }
        taken.handshakes = self.handshakes
        for index in self.handshakes.indices { self.handshakes[index].reset() }
        if let names = self.sites?.names {
            for (index, tally) in self.siteTallies.enumerated() where tally.requests > 0 {
                taken.sites[names[index]] = tally
                self.siteTallies[index] = SiteTally()
            }
        }
        let inOrder = self.recent[self.nextRecent...] + self.recent[..<min(self.nextRecent, self.recent.count)]
        taken.recent = Array(inOrder.suffix(self.newRecent))
        self.newRecent = 0
        self.interval.reset()
        return taken
    }
}

@available(*, unavailable)
extension JourneyRecorder: Sendable {}

/// What one event loop counted over one interval (or, merged, what the server counted).
public struct JourneyInterval: Sendable {
    /// Connections accepted.
    public var accepted: UInt64 = 0
    /// Requests whose response was written.
    public var requests: UInt64 = 0
    /// Those of them a fast path answered (a prepared response, no `Request` made).
    public var fastPathAnswers: UInt64 = 0
    /// Requests by status class: index 1 is 1xx … index 5 is 5xx (index 0: anything below 100).
    public var statusClasses: [UInt64] = Array(repeating: 0, count: 6)
    /// Response body bytes written.
    public var bodyBytes: UInt64 = 0
    /// Per-stage durations, indexed by `Stage.rawValue`.
    public var stages: [LatencyHistogram] = Stage.allCases.map { _ in LatencyHistogram() }
    /// Open connections in each phase at the end of the interval, indexed by `ConnectionPhase.rawValue`.
    public var phases: [Int] = Array(repeating: 0, count: ConnectionPhase.allCases.count)
    /// Requests finished in the interval (at most the last 50 per loop), oldest first.
    public var recent: [RecentRequest] = []
    /// WebSocket messages and what slow consumers cost.
    public var webSockets = WebSocketTally()
    /// Slow request bodies and lingering closes.
    public var slowClients = SlowClientTally()
    /// Each wire protocol's connections and messages.
    public var protocols: [ProtocolTally] = []
    /// Each TLS listener's handshakes.
    public var handshakes: [HandshakeTally] = []
    /// Each site's requests, by the site's name (its first host), when there are sites.
    public var sites: [String: SiteTally] = [:]

    /// An empty interval.
    package init() {}

    /// Adds `other`'s counts (its phases and recent requests too).
    package mutating func merge(_ other: JourneyInterval) {
        self.accepted &+= other.accepted
        self.requests &+= other.requests
        self.fastPathAnswers &+= other.fastPathAnswers
        self.bodyBytes &+= other.bodyBytes
        for index in self.statusClasses.indices { self.statusClasses[index] &+= other.statusClasses[index] }
        for index in self.stages.indices { self.stages[index].merge(other.stages[index]) }
        for index in self.phases.indices { self.phases[index] += other.phases[index] }
        self.recent += other.recent
        self.webSockets.merge(other.webSockets)
        self.slowClients.merge(other.slowClients)
        self.protocols.merge(other.protocols)
        self.handshakes.merge(other.handshakes)
        self.sites.merge(other.sites) { mine, theirs in
            var merged = mine
            merged.merge(theirs)
            return merged
        }
    }

    /// Zeroes the counts, keeping the histograms' storage.
    mutating func reset() {
        self.accepted = 0
        self.requests = 0
        self.fastPathAnswers = 0
        self.bodyBytes = 0
        for index in self.statusClasses.indices { self.statusClasses[index] = 0 }
        for index in self.stages.indices { self.stages[index].reset() }
        self.webSockets = WebSocketTally()
        self.slowClients = SlowClientTally()
        self.protocols = []
        self.handshakes = []
        self.sites = [:]
    }
}

/// A finished request as the dashboard's waterfall draws it.
public struct RecentRequest: Sendable {
    /// Its journey.
    public var timeline: RequestTimeline
    /// The response status.
    public var status: Int
    /// The request method.
    public var method: String
    /// The request target.
    public var path: String
    /// Response body bytes.
    public var bodyBytes: Int
    /// The request's id (`X-Request-ID`), when it had one.
    public var requestID: String?
    /// The client's address (behind a trusted proxy, the one it named), when known.
    public var client: String?
}
