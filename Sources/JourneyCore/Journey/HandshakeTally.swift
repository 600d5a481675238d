/// What the TLS handshakes of one listener did over an interval: how many, how long, and what they agreed on.
///
/// Keyed by the listener's name, so metrics carry it as a label and the dashboard shows a row per listener.
public struct HandshakeTally: Sendable, Equatable {
    /// The listener's name (its `TLSConnection`'s).
    public let listener: String
    /// Handshakes that finished.
    public var completed: UInt64 = 0
    /// Handshakes that failed (a bad hello, no common cipher, an untrusted client, a timeout).
    public var failed: UInt64 = 0
    /// How long the finished ones took, from the accept.
    public var durations = LatencyHistogram()
    /// Finished handshakes by protocol version (`TLSv1.3`).
    public var versions: [String: UInt64] = [:]
    /// Finished handshakes by ALPN result (`h2`, `http/1.1`, or `none`).
    public var applicationProtocols: [String: UInt64] = [:]

    /// Nothing counted yet for `listener`.
    package init(listener: String) {
        self.listener = listener
    }

    /// Adds `other`'s counts (the same listener's).
    package mutating func merge(_ other: HandshakeTally) {
        self.completed &+= other.completed
        self.failed &+= other.failed
        self.durations.merge(other.durations)
        self.versions.merge(other.versions, uniquingKeysWith: &+)
        self.applicationProtocols.merge(other.applicationProtocols, uniquingKeysWith: &+)
    }

    /// Zeroes the counts for a new interval, keeping the name and the storage.
    mutating func reset() {
        self.completed = 0
        self.failed = 0
        self.durations.reset()
        for key in self.versions.keys { self.versions[key] = 0 }
        for key in self.applicationProtocols.keys { self.applicationProtocols[key] = 0 }
    }
}

extension [HandshakeTally] {
    /// Adds each of `others` to the tally of the same listener, appending the listeners not seen yet.
    mutating func merge(_ others: [HandshakeTally]) {
        for other in others {
            if let index = self.firstIndex(where: { $0.listener == other.listener }) {
                self[index].merge(other)
            } else {
                self.append(other)
            }
        }
    }
}
