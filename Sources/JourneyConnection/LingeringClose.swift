import NIOCore

/// How long a connection the server answered early is drained before it is closed (RFC 9112 §9.6, nginx's
/// `lingering_close`).
///
/// A server that closes with a client's bytes still unread makes the kernel send a reset, and a reset can make the
/// client's stack discard the answer (413, 431, 400) before the client has read it. So the server shuts its side,
/// then reads and discards what still arrives, until the client closes, goes quiet for `timeout`, has taken `time`
/// in all, or has sent `maximumDiscardedBytes`.
public struct LingeringClose: Sendable, Hashable {
    /// The longest quiet between two reads (nginx's `lingering_timeout`).
    public var timeout: TimeAmount
    /// The longest the whole drain may take (nginx's `lingering_time`).
    public var time: TimeAmount
    /// The most bytes discarded: a client that sends faster than that in `time` has had its chance.
    public var maximumDiscardedBytes: Int

    /// Creates the limits; the defaults are nginx's (5 s quiet, 30 s in all), with 64 MiB discarded at most.
    public init(
        timeout: TimeAmount = .seconds(5),
        time: TimeAmount = .seconds(30),
        maximumDiscardedBytes: Int = 64 * 1024 * 1024
    ) {
        self.timeout = timeout
        self.time = time
        self.maximumDiscardedBytes = maximumDiscardedBytes
    }
}
