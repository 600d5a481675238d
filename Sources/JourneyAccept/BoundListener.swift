import JourneyConnection
import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A listener's open sockets: one (shared) or one per event loop (reuseport).
package struct BoundListener: Sendable {
    /// The listening channels.
    package let channels: [any Channel]
    /// What the listener speaks (`ConnectionProtocol.name`).
    package let protocolName: String

    /// The port actually bound (the kernel's choice when the listener asked for port 0).
    package var port: Int { self.channels.first?.localAddress?.port ?? 0 }

    /// Binds `listener` on `group`, registering every accepted connection with `connections` and
    /// counting it against `admission`'s cap.
    package static func bind(
        _ listener: Listener,
        on group: MultiThreadedEventLoopGroup,
        connections: ConnectionRegistry,
        admission: ConnectionAdmission = ConnectionAdmission(maximum: nil)
    ) async throws -> BoundListener {
        let host: String
        var port: Int
        switch listener.target {
        case .address(let address, let number):
            (host, port) = (address, number)
        case .unixSocket(let path):
            let channel = try await Self.bootstrap(
                listener,
                group: group,
                connections: connections,
                admission: admission
            )
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            return BoundListener(channels: [channel], protocolName: listener.connectionProtocol.name)
        case .inherited(let descriptor):
            let channel = try await Self.bootstrap(
                listener,
                group: group,
                connections: connections,
                admission: admission
            )
            .withBoundSocket(descriptor).get()
            return BoundListener(channels: [channel], protocolName: listener.connectionProtocol.name)
        }
        switch listener.acceptModel {
        case .shared:
            let channel = try await Self.bootstrap(
                listener,
                group: group,
                connections: connections,
                admission: admission,
                reusePort: false
            )
            .bind(host: host, port: port).get()
            return BoundListener(channels: [channel], protocolName: listener.connectionProtocol.name)
        case .reuseport:
            var channels: [any Channel] = []
            do {
                for loop in group.makeIterator() {
                    let channel = try await Self.bootstrap(
                        listener,
                        group: loop,
                        connections: connections,
                        admission: admission,
                        reusePort: true
                    ).bind(host: host, port: port).get()
                    // With port 0 the first socket's port is the one the others share.
                    port = channel.localAddress?.port ?? port
                    channels.append(channel)
                }
            } catch {
                for channel in channels { try? await channel.close() }
                throw error
            }
            return BoundListener(channels: channels, protocolName: listener.connectionProtocol.name)
        }
    }

    /// Stops accepting: closes the listening sockets (connections already accepted stay open).
    package func close() async {
        for channel in self.channels {
            try? await channel.close()
        }
    }

    private static func bootstrap(
        _ listener: Listener,
        group: any EventLoopGroup,
        connections: ConnectionRegistry,
        admission: ConnectionAdmission,
        reusePort: Bool = false
    ) -> ServerBootstrap {
        let connectionProtocol = listener.connectionProtocol
        let logger = Logger(label: "journey.accept")
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(clamping: listener.backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(
                ChannelOptions.Types.SocketOption(level: .socket, name: NIOBSDSocket.Option(rawValue: SO_REUSEPORT)),
                value: reusePort ? 1 : 0
            )
            // With a cap, accept one connection per wake-up, so the count is exact when the listener pauses.
            .serverChannelOption(.maxMessagesPerRead, value: admission.maximum == nil ? UInt(4) : UInt(1))
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    admission.addListener(channel)
                    // NIO's async bind adds this; its classic bind does not. EMFILE/ENFILE on accept back
                    // off for a second (logged, so at most once a second) instead of spinning.
                    try channel.pipeline.syncOperations.addHandler(
                        AcceptBackoffHandler(shouldForwardIOErrorCaught: false) { error in
                            logger.error("accept failed, pausing accepts for 1 s", metadata: ["error": "\(error)"])
                            return .seconds(1)
                        }
                    )
                    try channel.pipeline.syncOperations.addHandler(AdmissionHandler(admission: admission))
                }
            }
            // No TCP_NODELAY here: NIO sets it on the listening socket, and an accepted socket inherits it (one
            // setsockopt a connection saved).
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // NIO keeps each connection's last receive buffer for its next read, so an idle connection holds one
            // of the allocator's size: start at 512 bytes (NIO's default is 2 KiB), which a request from wrk or
            // curl fits, and let the allocator grow it for a client that sends more (it doubles on a full read).
            .childChannelOption(
                .recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536)
            )
            // A client that half-closes after sending its request (`printf … | nc`) still gets its answer;
            // the protocol closes the connection once the response is out.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try connectionProtocol.configure(channel)
                    connections.register(channel)
                }
            }
    }
}
