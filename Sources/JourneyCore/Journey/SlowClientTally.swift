/// What hostile or slow HTTP clients cost over an interval: request bodies cut for coming in too slowly, and the
/// connections drained before they closed (lingering close) with the bytes thrown away.
public struct SlowClientTally: Sendable, Equatable {
    /// Connections answered 408 and closed for a body below the minimum rate.
    public var bodiesBelowMinimumRate: UInt64 = 0
    /// Connections answered 408 and closed for a body that paused longer than the body timeout.
    public var bodiesPaused: UInt64 = 0
    /// Connections answered early (413, 431, 400, 408 …) and drained before they closed.
    public var lingeringCloses: UInt64 = 0
    /// Bytes read and discarded while draining.
    public var lingeringBytesDiscarded: UInt64 = 0

    /// Nothing counted.
    package init() {}

    /// Connections cut for a slow body, whichever limit it crossed.
    public var slowBodies: UInt64 { self.bodiesBelowMinimumRate &+ self.bodiesPaused }

    /// Adds `other`'s counts.
    package mutating func merge(_ other: SlowClientTally) {
        self.bodiesBelowMinimumRate &+= other.bodiesBelowMinimumRate
        self.bodiesPaused &+= other.bodiesPaused
        self.lingeringCloses &+= other.lingeringCloses
        self.lingeringBytesDiscarded &+= other.lingeringBytesDiscarded
    }
}
