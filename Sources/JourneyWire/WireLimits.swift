import NIOCore

/// How much one connection of a wire protocol may take: a frame's size, its silence, and how far its
/// messages may run ahead of the handler.
public struct WireLimits: Sendable, Equatable {
    /// The most bytes of one frame held while it is incomplete; a bigger frame closes the connection
    /// (logged once, counted as a malformed frame).
    public var maximumFrameSize: Int
    /// A connection with no bytes in either direction for this long is closed; nil never closes one.
    public var idleTimeout: TimeAmount?
    /// Messages framed but not yet taken by the handler: at this many the server stops reading the socket
    /// until the handler catches up (TCP pushes back on the peer), so a pipelining peer cannot fill memory.
    public var maximumInFlight: Int

    /// Limits for a protocol: 1 MiB frames, 5 minutes of silence, 1,024 messages ahead.
    public init(
        maximumFrameSize: Int = 1 << 20,
        idleTimeout: TimeAmount? = .minutes(5),
        maximumInFlight: Int = 1024
    ) {
        self.maximumFrameSize = maximumFrameSize
        self.idleTimeout = idleTimeout
        self.maximumInFlight = max(1, maximumInFlight)
    }
}
