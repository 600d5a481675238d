/// Where a message stands in its topic's history: the history's epoch and the message's place in it (a Redis
/// stream entry's id). A subscriber that comes back with the last position it saw gets what came after it.
///
/// Written `EPOCH:MILLISECONDS-SEQUENCE`; a position of another epoch is of a history that was lost since.
public struct PubSubPosition: Sendable, Hashable, Comparable, LosslessStringConvertible {
    /// The history's epoch: it changes when the history is lost (Redis restarted without its data).
    public let epoch: String
    /// The entry's milliseconds part.
    public let milliseconds: UInt64
    /// The entry's sequence within its millisecond.
    public let sequence: UInt64

    /// A position of `epoch` at entry `milliseconds-sequence`.
    public init(epoch: String, milliseconds: UInt64, sequence: UInt64) {
        self.epoch = epoch
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    /// Reads `EPOCH:MILLISECONDS-SEQUENCE`; nil for anything else.
    public init?(_ description: String) {
        guard let colon = description.lastIndex(of: ":") else { return nil }
        self.init(epoch: String(description[..<colon]), entry: description[description.index(after: colon)...])
    }

    /// A position of `epoch` at the stream entry `entry` (`MILLISECONDS-SEQUENCE`); nil when it is not one.
    public init?(epoch: String, entry: Substring) {
        let parts = entry.split(separator: "-", omittingEmptySubsequences: false)
        guard !epoch.isEmpty, epoch.utf8.count <= 64, parts.count == 2, let milliseconds = UInt64(parts[0]),
            let sequence = UInt64(parts[1])
        else { return nil }
        self.init(epoch: epoch, milliseconds: milliseconds, sequence: sequence)
    }

    /// The stream entry's id, `MILLISECONDS-SEQUENCE`.
    public var entry: String { "\(self.milliseconds)-\(self.sequence)" }

    /// `EPOCH:MILLISECONDS-SEQUENCE`, as deliveries carry it and `since` gives it back.
    public var description: String { "\(self.epoch):\(self.entry)" }

    /// Entry order; positions of different epochs are ordered by entry alone (compare epochs first).
    public static func < (left: PubSubPosition, right: PubSubPosition) -> Bool {
        (left.milliseconds, left.sequence) < (right.milliseconds, right.sequence)
    }
}
