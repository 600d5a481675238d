import NIOCore
import NIOPosix

/// A client that writes raw bytes and returns everything the server sends back until it closes.
///
/// The client half-closes after writing, so a server that honours half-closure answers and then closes;
/// the deadline only keeps a broken server from hanging the test run: reaching it throws.
public enum RawClient {
    /// The server had not closed the connection by the deadline.
    public struct DeadlineExceeded: Error {}

    /// Sends `request` to 127.0.0.1:`port` and returns the response bytes as text.
    public static func exchange(
        _ request: String,
        port: Int,
        halfClose: Bool = true,
        deadline: TimeAmount = .seconds(20)
    ) async throws -> String {
        let bytes = try await Self.exchange(Array(request.utf8), port: port, halfClose: halfClose, deadline: deadline)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Sends `request` to the Unix domain socket at `path` (a server beside the tests, say) and returns the
    /// response bytes as text.
    public static func exchange(
        _ request: String,
        unixSocket path: String,
        deadline: TimeAmount = .seconds(20)
    ) async throws -> String {
        let bootstrap = Self.bootstrap(Collector())
        let bytes = try await Self.exchange(
            Array(request.utf8),
            connection: (bootstrap.collector, try await bootstrap.bootstrap.connect(unixDomainSocketPath: path).get()),
            halfClose: true,
            deadline: deadline
        )
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Sends `request` bytes and returns the response bytes.
    public static func exchange(
        _ request: [UInt8],
        port: Int,
        halfClose: Bool = true,
        deadline: TimeAmount = .seconds(20)
    ) async throws -> [UInt8] {
        let bootstrap = Self.bootstrap(Collector())
        let channel = try await bootstrap.bootstrap.connect(host: "127.0.0.1", port: port).get()
        return try await Self.exchange(
            request,
            connection: (bootstrap.collector, channel),
            halfClose: halfClose,
            deadline: deadline
        )
    }

    private static func bootstrap(_ collector: Collector) -> (bootstrap: ClientBootstrap, collector: Collector) {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CollectingHandler(collector: collector))
                }
            }
        return (bootstrap, collector)
    }

    private static func exchange(
        _ request: [UInt8],
        connection: (collector: Collector, channel: any Channel),
        halfClose: Bool,
        deadline: TimeAmount
    ) async throws -> [UInt8] {
        let (collector, channel) = connection
        let timeout = channel.eventLoop.scheduleTask(in: deadline) {
            collector.deadlineExceeded = true
            channel.close(promise: nil)
        }
        // Nothing to send (a client that only connects): the server may have closed by now, which is no error.
        if !request.isEmpty { try await channel.writeAndFlush(ByteBuffer(bytes: request)) }
        if halfClose {
            try? await channel.close(mode: .output)
        }
        try? await channel.closeFuture.get()
        timeout.cancel()
        if collector.deadlineExceeded { throw DeadlineExceeded() }
        return collector.bytes
    }
}

/// The bytes a connection received; touched only on its event loop, read after it closed.
final class Collector: @unchecked Sendable {
    var bytes: [UInt8] = []
    var deadlineExceeded = false
}

private final class CollectingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let collector: Collector

    init(collector: Collector) {
        self.collector = collector
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.collector.bytes += Self.unwrapInboundIn(data).readableBytesView
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
