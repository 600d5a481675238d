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

    /// Creates timeouts; the defaults are nginx-like (header 10 s, body 60 s, keep-alive 75 s, write 60 s).
    public init(
        headerRead: TimeAmount = .seconds(10),
        bodyRead: TimeAmount = .seconds(60),
        keepAliveIdle: TimeAmount = .seconds(75),
        write: TimeAmount = .seconds(60)
    ) {
        self.headerRead = headerRead
        self.bodyRead = bodyRead
        self.keepAliveIdle = keepAliveIdle
        self.write = write
    }
}
