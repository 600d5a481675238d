import NIOCore
import NIOPosix
import NIOSSL

/// One connection to a Redis (or Valkey) server: commands pipelined, replies in order, pushes handed on.
///
/// Journey writes this by hand because no Redis client is in its package mirror; it does what the pub/sub
/// backplane needs and no more (see README, "What Journey writes by hand").
public final class RESPClient: Sendable {
    /// The connection.
    public let channel: any Channel
    /// The protocol the server agreed to: 3 after `HELLO 3`, 2 for a server without HELLO.
    public let protocolVersion: Int

    private init(channel: any Channel, protocolVersion: Int) {
        self.channel = channel
        self.protocolVersion = protocolVersion
    }

    /// Connects to `endpoint`, logs in (`HELLO 3 AUTH …`, or `AUTH` where HELLO is unknown), and selects its
    /// database. What the server sends unasked goes to `pushes`, on the connection's loop.
    public static func connect(
        to endpoint: RedisEndpoint,
        on loop: any EventLoop,
        name: String? = nil,
        connectTimeout: TimeAmount = .seconds(5),
        pushes: @escaping @Sendable (RESPValue) -> Void = { _ in }
    ) -> EventLoopFuture<RESPClient> {
        let tls: NIOSSLContext?
        do {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let authority = endpoint.certificateAuthorityPath { configuration.trustRoots = .file(authority) }
            tls = endpoint.usesTLS ? try NIOSSLContext(configuration: configuration) : nil
        } catch {
            return loop.makeFailedFuture(error)
        }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls, case .tcp(let host, _) = endpoint.transport {
                        // A name is sent by SNI and checked against the certificate; an address is checked alone.
                        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
                        try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: isAddress ? nil : host))
                    }
                    try sync.addHandler(ByteToMessageHandler(RESPValueDecoder()))
                    try sync.addHandler(RESPClientHandler(pushes: pushes))
                }
            }
        let connected: EventLoopFuture<any Channel>
        switch endpoint.transport {
        case .tcp(let host, let port):
            connected = bootstrap.connect(host: host, port: port)
        case .unixSocket(let path):
            connected = bootstrap.connect(unixDomainSocketPath: path)
        }
        return connected.flatMap { channel in
            Self.logIn(channel, endpoint: endpoint, name: name).flatMapError { error in
                channel.close(promise: nil)
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
    }

    private static func logIn(
        _ channel: any Channel,
        endpoint: RedisEndpoint,
        name: String?
    ) -> EventLoopFuture<
        RESPClient
    > {
        var hello = ["HELLO", "3"]
        if let password = endpoint.password { hello += ["AUTH", endpoint.user ?? "default", password] }
        if let name { hello += ["SETNAME", name] }
        return Self.send(hello, on: channel).map { _ in 3 }.flatMapError { error in
            // A server before Redis 6 knows no HELLO: RESP2, with AUTH of its own.
            guard let refusal = error as? RESPServerError, refusal.kind == "ERR" || refusal.kind == "NOPROTO" else {
                return channel.eventLoop.makeFailedFuture(error)
            }
            guard let password = endpoint.password else { return channel.eventLoop.makeSucceededFuture(2) }
            let auth = endpoint.user.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            return Self.send(auth, on: channel).map { _ in 2 }
        }.flatMap { version in
            guard endpoint.database != 0 else { return channel.eventLoop.makeSucceededFuture(version) }
            return Self.send(["SELECT", String(endpoint.database)], on: channel).map { _ in version }
        }.map { RESPClient(channel: channel, protocolVersion: $0) }
    }

    /// Sends a command; its reply, or its error reply thrown as `RESPServerError`.
    public func send(_ arguments: [String]) -> EventLoopFuture<RESPValue> {
        Self.send(arguments.map { ByteBuffer(string: $0) }, on: self.channel)
    }

    /// Sends a command of bytes; its reply, or its error reply thrown as `RESPServerError`.
    public func send(_ arguments: [ByteBuffer]) -> EventLoopFuture<RESPValue> {
        Self.send(arguments, on: self.channel)
    }

    /// Sends a command answered by pushes, not by a reply (SUBSCRIBE, UNSUBSCRIBE).
    public func sendUnanswered(_ arguments: [String]) {
        let command = RESPClientHandler.Command(arguments: arguments.map { ByteBuffer(string: $0) }, reply: nil)
        self.channel.writeAndFlush(command, promise: nil)
    }

    private static func send(_ arguments: [String], on channel: any Channel) -> EventLoopFuture<RESPValue> {
        Self.send(arguments.map { ByteBuffer(string: $0) }, on: channel)
    }

    private static func send(_ arguments: [ByteBuffer], on channel: any Channel) -> EventLoopFuture<RESPValue> {
        let reply = channel.eventLoop.makePromise(of: RESPValue.self)
        let command = RESPClientHandler.Command(arguments: arguments, reply: reply)
        channel.writeAndFlush(command).cascadeFailure(to: reply)
        return reply.futureResult
    }

    /// Closes the connection.
    public func close() -> EventLoopFuture<Void> {
        self.channel.close()
    }
}
