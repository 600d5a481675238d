import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A publish as a backplane carries it between instances.
public struct PubSubMessage: Sendable, Equatable {
    /// The message's `data`: JSON text, relayed as the publisher wrote it.
    public var data: ByteBuffer
    /// Its place in the topic's history, when the backplane keeps one.
    public var position: PubSubPosition?
    /// The connection that published it, so a hub that leaves senders out knows whom to leave out.
    public var origin: PubSubOrigin?
    /// When it was published (nanoseconds since 1970, the publishing instance's clock): what the
    /// publish→deliver latency is measured from.
    public var publishedAt: UInt64

    /// A message of `data`.
    public init(data: ByteBuffer, position: PubSubPosition? = nil, origin: PubSubOrigin? = nil, publishedAt: UInt64) {
        self.data = data
        self.position = position
        self.origin = origin
        self.publishedAt = publishedAt
    }

    /// The wall clock in nanoseconds since 1970: instances on one machine, or with synchronised clocks, measure
    /// a message's trip from its publisher's instant.
    public static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

/// The instance and connection a message was published from.
public struct PubSubOrigin: Sendable, Hashable {
    /// The instance's id (`--instance-id`).
    public var instance: String
    /// The publishing connection, unique within its instance while it is open.
    public var connection: UInt

    /// The origin of a publish by `connection` on `instance`.
    public init(instance: String, connection: UInt) {
        self.instance = instance
        self.connection = connection
    }
}
