import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A listening socket's accept queue as the kernel reports it: connections that finished the handshake
/// and wait for `accept(2)`, and the most it will hold (the backlog).
public struct AcceptQueueSample: Sendable, Equatable {
    /// The listener's address, `HOST:PORT`.
    public var listener: String
    /// What the listener speaks (`ConnectionProtocol.name`).
    public var protocolName: String
    /// Connections waiting in the accept queue now.
    public var depth: Int
    /// The accept queue's limit (the effective backlog).
    public var limit: Int

    /// A sample.
    package init(listener: String, protocolName: String = "", depth: Int, limit: Int) {
        self.listener = listener
        self.protocolName = protocolName
        self.depth = depth
        self.limit = limit
    }

    /// Reads `channel`'s (a listening socket's) queue from TCP_INFO: on a LISTEN socket Linux reports the
    /// accept queue length in `tcpi_unacked` and its limit in `tcpi_sacked`. Nil where TCP_INFO is missing.
    package static func read(
        from channel: any Channel,
        listener: String,
        protocolName: String = ""
    ) -> EventLoopFuture<AcceptQueueSample?> {
        #if os(Linux)
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(nil)
        }
        return provider.getTCPInfo().map { info in
            AcceptQueueSample(
                listener: listener,
                protocolName: protocolName,
                depth: Int(info.tcpi_unacked),
                limit: Int(info.tcpi_sacked)
            )
        }.recover { _ in nil }
        #else
        return channel.eventLoop.makeSucceededFuture(nil)
        #endif
    }
}
