import JourneyAccept
import JourneyConnection
import JourneyCore
import JourneyHTTP1
import JourneyHTTP2
import JourneyObserve
import JourneyStaticFiles
import JourneyTLS
import JourneyWebSocket
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How the server's HTTP listeners are made: what each speaks, with the configuration's limits and timeouts.
extension Server {
    /// One upgrader serves every WebSocket route of a listener (NIO takes one per protocol name).
    func upgraders(for router: Router) -> [any HTTPServerProtocolUpgrader & Sendable] {
        guard router.hasWebSocketRoutes else { return [] }
        return [WebSocketUpgrader(routes: router, journey: self.statistics.recorders, logger: self.logger)]
    }

    /// What an HTTP listener speaks.
    enum HTTPListenerKind {
        /// HTTP/1.1 in the clear.
        case http1
        /// HTTP/1.1, and HTTP/2 to clients that open with its preface (h2c).
        case cleartextWithHTTP2
        /// TLS with `identity` (and the handshake's limits in `options`), then HTTP/2 or HTTP/1.1 as ALPN agrees;
        /// `identityForServerName` picks a site's own certificate by SNI.
        case tls(ServerIdentity, TLSOptions, identityForServerName: (@Sendable (String) -> ServerIdentity?)?)
    }

    /// What an HTTP listener speaks, for `responder`: HTTP/1.1 with `upgraders`, and HTTP/2 where `kind` offers it,
    /// with `configuration`'s limits and timeouts; `behindProxies`, its clients named by the trusted proxies
    /// (`--proxy-protocol`, `--trusted-proxies`).
    func httpProtocol(
        _ kind: HTTPListenerKind,
        responder: any Responder,
        upgraders: [any HTTPServerProtocolUpgrader & Sendable],
        accessLog: (any AccessLogSink)?,
        configuration: Configuration,
        behindProxies: Bool = true
    ) -> any ConnectionProtocol {
        let plain = self.plainHTTPProtocol(
            kind,
            responder: responder,
            upgraders: upgraders,
            accessLog: accessLog,
            configuration: configuration
        )
        let accept = configuration.accept
        guard behindProxies, !accept.believedProxies.isEmpty, let trusted = TrustedProxies(accept.believedProxies)
        else { return plain }
        return ProxiedConnection(plain, trustedProxies: trusted, readsProxyHeader: accept.proxyProtocol)
    }

    private func plainHTTPProtocol(
        _ kind: HTTPListenerKind,
        responder: any Responder,
        upgraders: [any HTTPServerProtocolUpgrader & Sendable],
        accessLog: (any AccessLogSink)?,
        configuration: Configuration
    ) -> any ConnectionProtocol {
        var responding = self.responding(responder, accessLog: accessLog, configuration: configuration)
        responding.takesFastPath = configuration.http1.takesFastPath
        var http1 = HTTP1Connection(
            responding: responding,
            limits: configuration.http1.limits,
            timeouts: configuration.timeouts
        )
        http1.upgraders = upgraders
        switch kind {
        case .http1:
            return http1
        case .cleartextWithHTTP2:
            return PriorKnowledgeConnection(
                http1: http1,
                http2: self.http2Connection(responder: responder, accessLog: accessLog, configuration: configuration),
                prefaceTimeout: configuration.timeouts.headerRead
            )
        case .tls(let identity, let options, let identityForServerName):
            // sendfile cannot reach past TLS: file bodies are read in chunks on the thread pool.
            http1.fileReader = ThreadPoolFileReader(threadPool: self.threadPool)
            var tls = TLSConnection(
                identity: identity,
                protocols: [
                    self.http2Connection(responder: responder, accessLog: accessLog, configuration: configuration),
                    http1,
                ],
                handshakeTimeout: TimeAmount(options.handshakeTimeout),
                logger: self.logger
            )
            tls.journey = self.statistics.recorders
            tls.identityForServerName = identityForServerName
            return tls
        }
    }

    /// Binds a listener at `address` speaking `connectionProtocol`, with the configured backlog, its connections
    /// registered for the drain and counted against `admission`.
    func bind(
        _ address: ListenAddress,
        acceptModel: AcceptModel = .shared,
        speaking connectionProtocol: any ConnectionProtocol,
        admission: ConnectionAdmission
    ) async throws -> BoundListener {
        try await self.bind(
            .address(host: address.host, port: address.port),
            acceptModel: acceptModel,
            speaking: connectionProtocol,
            admission: admission
        )
    }

    /// One socket the main listener's site is served on, as the configuration asks for it.
    struct MainSocket {
        /// What names it across reloads: its place in the configuration and its address.
        var key: String
        /// The host it is reported with (a Unix socket as `unix:PATH`).
        var host: String
        var target: ListenTarget
        var acceptModel: AcceptModel
        /// The mode and owner a Unix socket's file gets.
        var unixSocket: UnixSocketListener?
    }

    /// Every socket `configuration` serves the main site on, the first one first: `main` (or the sockets systemd
    /// passed, `inherited`), the additional addresses, the Unix sockets.
    func mainSockets(_ configuration: Configuration, inherited: [CInt]) -> [MainSocket] {
        let listeners = configuration.listeners
        let model = configuration.accept.model
        var sockets: [MainSocket] = []
        if inherited.isEmpty {
            let main = listeners.main
            sockets.append(
                MainSocket(
                    key: "main \(main.host) \(main.port)",
                    host: main.host,
                    target: .address(host: main.host, port: main.port),
                    acceptModel: model
                )
            )
        } else {
            for descriptor in inherited {
                sockets.append(
                    MainSocket(
                        key: "fd \(descriptor)",
                        host: "fd:\(descriptor)",
                        target: .inherited(descriptor: descriptor),
                        acceptModel: .shared
                    )
                )
            }
        }
        for address in listeners.additional {
            sockets.append(
                MainSocket(
                    key: "additional \(address.host) \(address.port)",
                    host: address.host,
                    target: .address(host: address.host, port: address.port),
                    acceptModel: model
                )
            )
        }
        for unix in listeners.unixSockets {
            sockets.append(
                MainSocket(
                    key: "unix \(unix.path)",
                    host: "unix:" + unix.path,
                    target: .unixSocket(path: unix.path),
                    acceptModel: .shared,
                    unixSocket: unix
                )
            )
        }
        return sockets
    }

    /// The listening sockets systemd passed, when `configuration` asks for them (none outside socket activation).
    func inheritedSockets(_ configuration: Configuration) -> [CInt] {
        guard configuration.listeners.socketActivation else { return [] }
        let inherited = SocketActivation.descriptors(environment: Self.environment, pid: getpid())
        if inherited.isEmpty {
            self.logger.notice("socket activation: no socket was passed (LISTEN_FDS); binding listeners.main")
        }
        SocketActivation.closeOnExec(inherited)
        return inherited
    }

    /// Binds `socket` speaking `connectionProtocol` (a Unix socket's file given its mode and owner), and gives the
    /// host to report it by (an inherited socket's own address).
    func bind(
        _ socket: MainSocket,
        speaking connectionProtocol: any ConnectionProtocol
    ) async throws -> (host: String, bound: BoundListener) {
        let bound = try await self.bind(
            socket.target,
            acceptModel: socket.acceptModel,
            speaking: connectionProtocol,
            admission: self.admission
        )
        if let unix = socket.unixSocket {
            do {
                try await self.threadPool.runIfActive { try Self.setPermissions(of: unix) }
            } catch {
                await bound.close()
                throw error
            }
        }
        if case .inherited = socket.target {
            return (bound.channels.first?.localAddress?.ipAddress ?? socket.host, bound)
        }
        return (socket.host, bound)
    }

    /// The process's environment, for socket activation's variables.
    private static var environment: [String: String] {
        var variables: [String: String] = [:]
        for name in ["LISTEN_PID", "LISTEN_FDS"] {
            if let value = getenv(name) { variables[name] = String(cString: value) }
        }
        return variables
    }

    /// Gives a Unix socket's file its mode and owner. Blocks (the user database, the file): off the event loops.
    private static func setPermissions(of socket: UnixSocketListener) throws {
        guard chmod(socket.path, mode_t(socket.mode)) == 0 else { throw UnixSocketError(socket: socket, errno: errno) }
        guard let owner = socket.owner else { return }
        let parts = owner.split(separator: ":", maxSplits: 1).map(String.init)
        guard let user = getpwnam(parts[0]) else { throw UnixSocketError(socket: socket, errno: ENOENT) }
        var group = user.pointee.pw_gid
        if parts.count == 2 {
            guard let named = getgrnam(parts[1]) else { throw UnixSocketError(socket: socket, errno: ENOENT) }
            group = named.pointee.gr_gid
        }
        guard chown(socket.path, user.pointee.pw_uid, group) == 0 else {
            throw UnixSocketError(socket: socket, errno: errno)
        }
    }

    /// Binds a listener on `target` speaking `connectionProtocol`, with the configured backlog, its connections
    /// registered for the drain and counted against `admission`.
    func bind(
        _ target: ListenTarget,
        acceptModel: AcceptModel = .shared,
        speaking connectionProtocol: any ConnectionProtocol,
        admission: ConnectionAdmission
    ) async throws -> BoundListener {
        let listener = Listener(
            target: target,
            backlog: self.configuration.accept.backlog,
            acceptModel: acceptModel,
            protocol: connectionProtocol
        )
        return try await BoundListener.bind(
            listener,
            on: self.group,
            connections: self.connections,
            admission: admission
        )
    }

    /// HTTP/2 for a listener that offers it, with the configuration's limits and timeouts.
    private func http2Connection(
        responder: any Responder,
        accessLog: (any AccessLogSink)?,
        configuration: Configuration
    ) -> HTTP2Connection {
        var responding = self.responding(responder, accessLog: accessLog, configuration: configuration)
        responding.takesFastPath = configuration.http2.takesFastPath
        return HTTP2Connection(
            responding: responding,
            fileReader: ThreadPoolFileReader(threadPool: self.threadPool),
            limits: configuration.http2.limits,
            timeouts: configuration.timeouts,
            gracePeriod: TimeAmount(configuration.accept.drainTimeout)
        )
    }

    /// `responder` as every HTTP listener of this server answers with it: its log, its Server-Timing, its journey.
    func responding(
        _ responder: any Responder,
        accessLog: (any AccessLogSink)?,
        configuration: Configuration
    ) -> HTTPResponding {
        var responding = HTTPResponding(
            responder: responder,
            accessLog: accessLog,
            logger: self.logger,
            sendsServerTiming: configuration.observe.sendsServerTiming
        )
        responding.journey = self.statistics.recorders
        return responding
    }
}
