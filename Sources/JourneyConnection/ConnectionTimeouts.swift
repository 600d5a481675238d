import NIOCore

/// How long a connection may take at each step before it is closed: the defences against slow clients.
public struct ConnectionTimeouts: Sendable, Hashable {
    /// The whole request head must arrive within this (slowloris); the first head counts from the accept.
    public var headerRead: TimeAmount
    /// The longest pause between two pieces of a request body.
    public var bodyRead: TimeAmount
    /// How long a keep-alive connection may wait for its next request.
    public var keepAliveIdle: TimeAmount
    /// How long the send queue may stay full (the client reads nothing) before the connection is cut.
    public var write: TimeAmount
    /// The slowest a request body may arrive on average (408 below it); nil: only `bodyRead` bounds a body.
    public var minimumBodyRate: MinimumDataRate?
    /// How a connection answered before its request was read is drained before it closes.
    public var lingering: LingeringClose

    /// Creates timeouts; the defaults are nginx-like (header 10 s, body 60 s, keep-alive 75 s, write 60 s,
    /// lingering 5 s quiet and 30 s in all) with Kestrel's minimum body rate (240 bytes/s after 5 s).
    public init(
        headerRead: TimeAmount = .seconds(10),
        bodyRead: TimeAmount = .seconds(60),
        keepAliveIdle: TimeAmount = .seconds(75),
        write: TimeAmount = .seconds(60),
        minimumBodyRate: MinimumDataRate? = MinimumDataRate(),
        lingering: LingeringClose = LingeringClose()
    ) {
        self.headerRead = headerRead
        self.bodyRead = bodyRead
        self.keepAliveIdle = keepAliveIdle
        self.write = write
        self.minimumBodyRate = minimumBodyRate
        self.lingering = lingering
    }
}
