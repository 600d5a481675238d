/// What the connections of one wire protocol (RESP, a user's own) did over an interval: connections,
/// messages, malformed frames and each message's journey through the stages.
///
/// Keyed by the protocol's name, so the listeners of one protocol add up and metrics carry it as a label.
public struct ProtocolTally: Sendable, Equatable {
    /// The protocol's name (`WireProtocol.name`).
    public let name: String
    /// Connections accepted.
    public var connectionsOpened: UInt64 = 0
    /// Connections opened minus connections closed (the open count, once intervals are summed).
    public var openConnections = 0
    /// Messages the handler finished with.
    public var messages: UInt64 = 0
    /// Connections closed for a malformed or oversized frame.
    public var malformedFrames: UInt64 = 0
    /// Connections closed for idling past the idle timeout.
    public var idleTimeouts: UInt64 = 0
    /// Per-stage durations of the messages, indexed by `Stage.rawValue` (read, parse, process, write, total).
    public var stages: [LatencyHistogram] = Stage.allCases.map { _ in LatencyHistogram() }

    /// Nothing counted yet for the protocol `name`.
    package init(name: String) {
        self.name = name
    }

    /// Adds `other`'s counts (the same protocol's).
    package mutating func merge(_ other: ProtocolTally) {
        self.connectionsOpened &+= other.connectionsOpened
        self.openConnections += other.openConnections
        self.messages &+= other.messages
        self.malformedFrames &+= other.malformedFrames
        self.idleTimeouts &+= other.idleTimeouts
        for index in self.stages.indices { self.stages[index].merge(other.stages[index]) }
    }

    /// Zeroes the counts for a new interval, keeping the name and the histograms' storage.
    mutating func reset() {
        self.connectionsOpened = 0
        self.openConnections = 0
        self.messages = 0
        self.malformedFrames = 0
        self.idleTimeouts = 0
        for index in self.stages.indices { self.stages[index].reset() }
    }
}

extension [ProtocolTally] {
    /// Adds each of `others` to the tally of the same name, appending the names not seen yet.
    mutating func merge(_ others: [ProtocolTally]) {
        for other in others {
            if let index = self.firstIndex(where: { $0.name == other.name }) {
                self[index].merge(other)
            } else {
                self.append(other)
            }
        }
    }
}
