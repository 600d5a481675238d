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
    /// with `configuration`'s limits and timeouts.
    func httpProtocol(
        _ kind: HTTPListenerKind,
        responder: any Responder,
        upgraders: [any HTTPServerProtocolUpgrader & Sendable],
        accessLog: AccessLogWriter?,
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
        let listener = Listener(
            host: address.host,
            port: address.port,
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
        accessLog: AccessLogWriter?,
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
        accessLog: AccessLogWriter?,
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
