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
        /// TLS with `identity` (and the handshake's limits in `options`), then HTTP/2 or HTTP/1.1 as ALPN agrees.
        case tls(ServerIdentity, TLSOptions)
    }

    /// What an HTTP listener speaks, for `responder`: HTTP/1.1 with `upgraders`, and HTTP/2 where `kind` offers it.
    func httpProtocol(
        _ kind: HTTPListenerKind,
        responder: any Responder,
        upgraders: [any HTTPServerProtocolUpgrader & Sendable],
        accessLog: AccessLogWriter?
    ) -> any ConnectionProtocol {
        var responding = self.responding(responder, accessLog: accessLog)
        responding.takesFastPath = self.configuration.http1.takesFastPath
        var http1 = HTTP1Connection(
            responding: responding,
            limits: self.configuration.http1.limits,
            timeouts: self.configuration.timeouts
        )
        http1.upgraders = upgraders
        switch kind {
        case .http1:
            return http1
        case .cleartextWithHTTP2:
            return PriorKnowledgeConnection(
                http1: http1,
                http2: self.http2Connection(responder: responder, accessLog: accessLog),
                prefaceTimeout: self.configuration.timeouts.headerRead
            )
        case .tls(let identity, let options):
            // sendfile cannot reach past TLS: file bodies are read in chunks on the thread pool.
            http1.fileReader = ThreadPoolFileReader(threadPool: self.threadPool)
            var tls = TLSConnection(
                identity: identity,
                protocols: [self.http2Connection(responder: responder, accessLog: accessLog), http1],
                handshakeTimeout: TimeAmount(options.handshakeTimeout),
                logger: self.logger
            )
            tls.journey = self.statistics.recorders
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
    private func http2Connection(responder: any Responder, accessLog: AccessLogWriter?) -> HTTP2Connection {
        var responding = self.responding(responder, accessLog: accessLog)
        responding.takesFastPath = self.configuration.http2.takesFastPath
        return HTTP2Connection(
            responding: responding,
            fileReader: ThreadPoolFileReader(threadPool: self.threadPool),
            limits: self.configuration.http2.limits,
            timeouts: self.configuration.timeouts,
            gracePeriod: TimeAmount(self.configuration.accept.drainTimeout)
        )
    }

    /// `responder` as every HTTP listener of this server answers with it: its log, its Server-Timing, its journey.
    func responding(_ responder: any Responder, accessLog: AccessLogWriter?) -> HTTPResponding {
        var responding = HTTPResponding(
            responder: responder,
            accessLog: accessLog,
            logger: self.logger,
            sendsServerTiming: self.configuration.observe.sendsServerTiming
        )
        responding.journey = self.statistics.recorders
        return responding
    }
}
