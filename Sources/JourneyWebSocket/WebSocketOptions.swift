/// How one WebSocket route treats its connections: sizes, liveness, compression, subprotocols, origins and
/// what happens to a peer that does not read.
///
/// The defaults suit a browser-facing endpoint: 1 MiB messages, a ping every 30 s, deflate when the client
/// offers it, any origin, and a slow reader disconnected once 1 MiB waits for it.
public struct WebSocketOptions: Sendable {
    /// The largest frame a client may send, in bytes (bigger: close 1009, RFC 6455 §7.4.1).
    public var maximumFrameSize: Int = 1 << 20
    /// The largest message, all its fragments (and, compressed, inflated) together, in bytes (bigger: close 1009).
    public var maximumMessageSize: Int = 1 << 20
    /// How liveness is checked: pings while the connection is open, and how long a pong may take.
    public var keepalive: WebSocketKeepalive = WebSocketKeepalive()
    /// permessage-deflate (RFC 7692), used when the client offers it.
    public var compression: WebSocketCompression = .deflate()
    /// Subprotocols the route speaks, in order of preference (`Sec-WebSocket-Protocol`, RFC 6455 §4.2.2).
    public var subprotocols: [String] = []
    /// Origins allowed to connect (`https://example.com`); empty allows any. Others get 403: a browser sends
    /// cookies on a cross-site WebSocket, so a route that trusts them must name its origins.
    public var allowedOrigins: [String] = []
    /// The most bytes that may wait in a connection's outbound queue before `slowConsumerPolicy` applies.
    public var outboundQueueLimit: Int = 1 << 20
    /// What happens to messages for a peer whose outbound queue is full.
    public var slowConsumerPolicy: SlowConsumerPolicy = .disconnect

    /// The defaults.
    public init() {}
}

/// Pings and the wait for their pongs: how a peer that vanished without a FIN is found and let go.
public struct WebSocketKeepalive: Sendable, Equatable {
    /// How often a ping goes out; nil sends none.
    public var pingInterval: Duration?
    /// How long after a ping the peer must have answered (any frame counts) before the connection is closed.
    public var pongTimeout: Duration

    /// A ping every `pingInterval`; the peer has `pongTimeout` to answer.
    public init(pingInterval: Duration? = .seconds(30), pongTimeout: Duration = .seconds(30)) {
        self.pingInterval = pingInterval
        self.pongTimeout = pongTimeout
    }

    /// No pings: a silent peer stays until the TCP connection fails.
    public static let off = WebSocketKeepalive(pingInterval: nil)
}

/// Whether a route compresses messages (permessage-deflate, RFC 7692) when the client offers to.
public enum WebSocketCompression: Sendable, Equatable {
    /// Never negotiated.
    case off
    /// Negotiated when offered. `windowBits` (8...15) caps the LZ77 window both ways (less memory per connection);
    /// `noContextTakeover` resets it after each message (less memory, less compression).
    case deflate(windowBits: Int? = nil, noContextTakeover: Bool = false)
}

/// What a route does with a peer that reads slower than the server writes to it.
public enum SlowConsumerPolicy: String, Sendable, Equatable, CaseIterable {
    /// Close the connection with 1008 (policy violation): the peer reconnects and catches up.
    case disconnect
    /// Drop the messages that do not fit until the queue drains: for feeds where the latest message matters.
    case drop
}
