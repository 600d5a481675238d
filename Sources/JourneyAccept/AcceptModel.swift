/// How accepted connections are spread over the event loops.
public enum AcceptModel: String, Sendable, CaseIterable {
    /// One listening socket; NIO hands each accepted connection to the next loop in turn.
    case shared
    /// One listening socket per loop with SO_REUSEPORT; the kernel spreads connections by hash.
    case reuseport
}
