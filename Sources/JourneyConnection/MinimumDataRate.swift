import NIOCore

/// The slowest a client may send a request body, averaged from its head on, once a grace period has passed
/// (Kestrel's `MinRequestBodyDataRate`).
///
/// A pause limit alone lets a body trickle in for days a byte at a time (R-U-Dead-Yet); a rate bounds how long any
/// body can hold a connection: a body of N bytes has at most `max(gracePeriod, N / bytesPerSecond + 1 s)` (the
/// second is the slack of Kestrel's once-a-second check, for clients that send in bursts).
public struct MinimumDataRate: Sendable, Hashable {
    /// The average rate a body must keep up, in bytes per second.
    public var bytesPerSecond: Int
    /// How long a body may take before its rate counts: a client on a slow link gets a start.
    public var gracePeriod: TimeAmount

    /// Creates a rate; the defaults are Kestrel's: 240 bytes per second after 5 seconds.
    public init(bytesPerSecond: Int = 240, gracePeriod: TimeAmount = .seconds(5)) {
        self.bytesPerSecond = bytesPerSecond
        self.gracePeriod = gracePeriod
    }
}
