import JourneyAccept
import JourneyConnection
import JourneyCore
import JourneyHTTP1
import JourneyHTTP2
import JourneyObserve
import JourneyRESP
import JourneySite
import JourneyStaticFiles
import JourneyTLS
import JourneyWebSocket
import JourneyWire
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A Journey server: event loops, listeners and the router, run as a swift-service-lifecycle `Service`.
///
/// `run()` serves until graceful shutdown is requested (SIGTERM/SIGINT through a `ServiceGroup`), then
/// stops accepting, lets in-flight responses finish within the drain timeout, and returns.
public final class Server: Service, Sendable {
    /// The configuration the server was made with.
    public let configuration: Configuration
    private let router: Router
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let threadPool: NIOThreadPool
    /// The open accepted connections (their count, and a way to wait until there are none).
    package let connections = ConnectionRegistry()
    /// The connection cap and its counts (open, peak, paused).
    package let admission: ConnectionAdmission
    /// The journey gathered: stage percentiles, rates, recent requests, the kernel's queues, Prometheus.
    public let statistics: JourneyStatistics
    /// The topics of the built-in pub/sub endpoint (`--ws-pubsub`); publish to them from code too.
    public let pubSubHub: PubSubHub
    /// Gathers the journey and the kernel's queues once a second while the server runs.
    private let sampler: JourneySampler
    private let onListening: (@Sendable (_ listening: [Listening]) -> Void)?
    private let state = NIOLockedValueBox(State())

    private struct State {
        /// The bound listeners, each with its role, in the order they were bound.
        var listeners: [(role: ListenerRole, host: String, bound: BoundListener)] = []
        /// Listeners added with `listen(on:protocol:)`, bound by `start()` after the configured ones.
        var extraListeners: [(role: ListenerRole, address: ListenAddress, protocol: any ConnectionProtocol)] = []
        var sampling: Task<Void, Never>?
        var watcher: DirectoryWatcher?
        var accessLog: AccessLogWriter?
        /// The TLS certificate served, kept current.
        var certificateWatch: CertificateWatch?
        var started = false
        var stopped = false
    }

    /// Creates a server; `router`'s routes come first, then the folder (or the embedded site).
    ///
    /// - Parameters:
    ///   - configuration: what to serve and how; checked by `start()` (`Configuration.validate()`).
    ///   - router: the routes, WebSocket routes included; its fallback, when it has none, is the folder or the
    ///     embedded site.
    ///   - logger: the server's own log; its level is `configuration.observe.logLevel`.
    ///   - onListening: called by `run()` once the listeners are bound, with each one's role and port. Under a
    ///     `ServiceGroup` the signal handlers are in place by then, so a supervisor that reads the port and sends
    ///     SIGTERM right away gets a graceful shutdown, not a lost signal.
    public init(
        configuration: Configuration,
        router: Router = Router(),
        logger: Logger? = nil,
        onListening: (@Sendable (_ listening: [Listening]) -> Void)? = nil
    ) {
        self.onListening = onListening
        self.pubSubHub = PubSubHub(includesSender: configuration.webSocket.pubSubIncludesSender)
        self.admission = ConnectionAdmission(maximum: configuration.accept.maximumConnections)
        self.configuration = configuration
        self.router = router
        var logger = logger ?? Logger(label: "journey")
        logger.logLevel = configuration.observe.logLevel
        self.logger = logger
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.accept.threads))
        self.threadPool = NIOThreadPool(numberOfThreads: 2)
        self.statistics = JourneyStatistics(
            recorders: JourneyRecorders(
                group: self.group,
                clock: JourneyClock(running: configuration.observe.recordsJourney),
                keepsRecentRequests: configuration.observe.dashboard != .off
            ),
            exposesMetrics: configuration.observe.servesMetrics || configuration.listeners.admin != nil
        )
        let state = self.state
        let connections = self.connections
        self.sampler = JourneySampler(
            statistics: self.statistics,
            threadPool: self.threadPool,
            readsSockets: configuration.observe.dashboard != .off,
            listeningSockets: {
                // The admin listener is the operator's, apart from the site's queues.
                state.withLockedValue { state in
                    state.listeners.filter { $0.role != .admin }.flatMap { listener in
                        listener.bound.channels.map {
                            JourneySampler.ListeningSocket(
                                channel: $0,
                                protocolName: listener.bound.protocolName,
                                port: listener.bound.port
                            )
                        }
                    }
                }
            },
            someConnections: { connections.some(upTo: $0) }
        )
    }

    /// The bound listeners (after `start()`), each with its role: the main one first, then the RESP listener, the
    /// https redirect, those added with `listen(on:protocol:)` in the order they were added, and the admin one.
    public var listening: [Listening] {
        self.state.withLockedValue { state in
            state.listeners.map { Listening(role: $0.role, host: $0.host, port: $0.bound.port) }
        }
    }

    /// The port of the first listener with `role` (after `start()`); nil when there is none.
    public func port(of role: ListenerRole) -> Int? {
        self.listening.first { $0.role == role }?.port
    }

    /// Adds a listener for a protocol of your own beside HTTP; call it before `start()` or `run()`.
    ///
    /// Its connections get the server's Accept stage (connection cap, graceful shutdown) and their messages
    /// are stamped into the journey: per-protocol metrics and a line on the dashboard.
    public func listen(on address: ListenAddress, protocol wireProtocol: some WireProtocol) {
        var connection = WireConnection(wireProtocol, logger: self.logger)
        connection.journey = self.statistics.recorders
        self.listen(on: address, connectionProtocol: connection)
    }

    /// Adds a listener speaking any `ConnectionProtocol` (a pipeline of your own); call it before `start()`. It is
    /// reported as `.custom(connectionProtocol.name)`.
    public func listen(on address: ListenAddress, connectionProtocol: any ConnectionProtocol) {
        self.state.withLockedValue { state in
            precondition(!state.started, "listen(on:protocol:) comes before start()")
            state.extraListeners.append((.custom(connectionProtocol.name), address, connectionProtocol))
        }
    }

    /// Binds the listeners and starts serving; returns once connections are being accepted.
    public func start() async throws {
        let alreadyStarted = self.state.withLockedValue { state in
            defer { state.started = true }
            return state.started
        }
        guard !alreadyStarted else { return }
        try self.configuration.validate()
        var configured: [(role: ListenerRole, address: ListenAddress, protocol: any ConnectionProtocol)] = []
        if let resp = self.configuration.listeners.resp {
            var connection = WireConnection(RESPProtocol(), logger: self.logger)
            connection.journey = self.statistics.recorders
            configured.append((.resp, resp, connection))
        }
        self.threadPool.start()
        let observeOptions = self.configuration.observe
        let accessLog = try observeOptions.accessLogPath.map {
            try AccessLogWriter(path: $0, format: observeOptions.accessLogFormat)
        }
        let observe = ObserveRoutes(statistics: self.statistics, admission: self.admission) { [weak self] in
            await self?.collectStatistics()
        }
        var router = self.router
        let webSocket = self.configuration.webSocket
        if let path = webSocket.echoPath {
            router.add(WebSocketRoute.echo(path, options: webSocket.options))
        }
        if let path = webSocket.pubSubPath {
            router.add(PubSubEndpoint(path: path, hub: self.pubSubHub, options: webSocket.options))
        }
        if observeOptions.servesMetrics { observe.addMetrics(to: &router) }
        if observeOptions.dashboard != .off {
            observe.addDashboard(to: &router, access: observeOptions.dashboard)
        }
        if router.fallback == nil {
            router.fallback = try self.makeFileResponder()
        }
        if webSocket.liveReload, let root = self.configuration.staticFiles?.root, let files = router.fallback {
            let liveReload = LiveReload()
            router.add(liveReload.route)
            router.fallback = LiveReloadInjector(responder: files)
            let loop = self.group.next()
            let staticFiles = files as? StaticFileResponder
            let watcher = try await DirectoryWatcher.watch(root, on: loop, threadPool: self.threadPool) { _ in
                staticFiles?.forgetCachedFiles()
                liveReload.fileChanged(on: loop)
            }
            self.state.withLockedValue { $0.watcher = watcher }
        }
        let identity = try self.configuration.tls.map { tls in
            try ServerIdentity(
                certificatePath: tls.certificatePath,
                privateKeyPath: tls.privateKeyPath,
                checkInterval: tls.checkInterval,
                logger: self.logger
            )
        }
        let mainAddress = self.configuration.listeners.main
        let main = try await self.bind(
            mainAddress,
            acceptModel: self.configuration.accept.model,
            responder: router,
            upgraders: self.upgraders(for: router),
            accessLog: accessLog,
            admission: self.admission,
            speaking: identity.map { .tls($0) } ?? (self.configuration.http2.cleartext ? .cleartextWithHTTP2 : .http1)
        )
        self.state.withLockedValue { state in
            state.listeners.append((.main, mainAddress.host, main))
            state.accessLog = accessLog
            // Renewed certificate files are picked up within the check interval (SIGHUP: `reloadCertificates()`).
            state.certificateWatch = identity.map(CertificateWatch.init)
        }
        if let redirect = self.configuration.listeners.redirect {
            let redirectProtocol = HTTP1Connection(
                responding: self.responding(
                    HTTPSRedirect(httpsPort: main.port, fallbackHost: mainAddress.host),
                    accessLog: accessLog
                ),
                limits: self.configuration.http1.limits,
                timeouts: self.configuration.timeouts
            )
            configured.append((.redirect, redirect, redirectProtocol))
        }
        for (role, address, connectionProtocol) in configured + self.state.withLockedValue({ $0.extraListeners }) {
            let listener = Listener(
                host: address.host,
                port: address.port,
                backlog: self.configuration.accept.backlog,
                acceptModel: .shared,
                protocol: connectionProtocol
            )
            let bound = try await BoundListener.bind(
                listener,
                on: self.group,
                connections: self.connections,
                admission: self.admission
            )
            self.state.withLockedValue { $0.listeners.append((role, address.host, bound)) }
        }
        if let admin = self.configuration.listeners.admin {
            // The admin listener shows the dashboard to whoever can reach it: bind it where only operators can.
            var adminRouter = Router()
            observe.addMetrics(to: &adminRouter)
            observe.addDashboard(to: &adminRouter, access: .everyone)
            observe.addAcceptControl(to: &adminRouter)
            let bound = try await self.bind(
                admin,
                acceptModel: .shared,
                responder: adminRouter,
                upgraders: self.upgraders(for: adminRouter),
                accessLog: nil,
                // Apart from the connection cap and from pauseAccepting(): the operator must still get in.
                admission: ConnectionAdmission(maximum: nil),
                speaking: .http1
            )
            self.state.withLockedValue { $0.listeners.append((.admin, admin.host, bound)) }
        }
        let sampler = self.sampler
        self.state.withLockedValue { $0.sampling = Task { await sampler.run() } }
    }

    /// One upgrader serves every WebSocket route of a listener (NIO takes one per protocol name).
    private func upgraders(for router: Router) -> [any HTTPServerProtocolUpgrader & Sendable] {
        guard router.hasWebSocketRoutes else { return [] }
        return [WebSocketUpgrader(routes: router, journey: self.statistics.recorders, logger: self.logger)]
    }

    /// What an HTTP listener speaks.
    private enum HTTPListenerKind {
        /// HTTP/1.1 in the clear.
        case http1
        /// HTTP/1.1, and HTTP/2 to clients that open with its preface (h2c).
        case cleartextWithHTTP2
        /// TLS with `identity`, then HTTP/2 or HTTP/1.1 as ALPN agrees.
        case tls(ServerIdentity)
    }

    private func bind(
        _ address: ListenAddress,
        acceptModel: AcceptModel,
        responder: any Responder,
        upgraders: [any HTTPServerProtocolUpgrader & Sendable],
        accessLog: AccessLogWriter?,
        admission: ConnectionAdmission,
        speaking kind: HTTPListenerKind
    ) async throws -> BoundListener {
        var responding = self.responding(responder, accessLog: accessLog)
        responding.takesFastPath = self.configuration.http1.takesFastPath
        var http1 = HTTP1Connection(
            responding: responding,
            limits: self.configuration.http1.limits,
            timeouts: self.configuration.timeouts
        )
        http1.upgraders = upgraders
        let connectionProtocol: any ConnectionProtocol
        switch kind {
        case .http1:
            connectionProtocol = http1
        case .cleartextWithHTTP2:
            connectionProtocol = PriorKnowledgeConnection(
                http1: http1,
                http2: self.http2Connection(responder: responder, accessLog: accessLog),
                prefaceTimeout: self.configuration.timeouts.headerRead
            )
        case .tls(let identity):
            // sendfile cannot reach past TLS: file bodies are read in chunks on the thread pool.
            http1.fileReader = ThreadPoolFileReader(threadPool: self.threadPool)
            var tls = TLSConnection(
                identity: identity,
                protocols: [self.http2Connection(responder: responder, accessLog: accessLog), http1],
                handshakeTimeout: TimeAmount(self.configuration.tls?.handshakeTimeout ?? .seconds(10)),
                logger: self.logger
            )
            tls.journey = self.statistics.recorders
            connectionProtocol = tls
        }
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

    /// Gathers the journey now: every loop's counts, each listener's accept queue (TCP_INFO) and the
    /// kernel's listen-drop counters (/proc/net/netstat, read on the thread pool). Runs once a second by
    /// itself; call it to see the numbers of this instant.
    public func collectStatistics(closingSecond: Bool = false) async {
        await self.sampler.collect(closingSecond: closingSecond)
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
    private func responding(_ responder: any Responder, accessLog: AccessLogWriter?) -> HTTPResponding {
        var responding = HTTPResponding(
            responder: responder,
            accessLog: accessLog,
            logger: self.logger,
            sendsServerTiming: self.configuration.observe.sendsServerTiming
        )
        responding.journey = self.statistics.recorders
        return responding
    }

    /// Reads the TLS certificate and key files again now (what SIGHUP does in `journey serve`): new connections get
    /// the new certificate, open ones keep theirs. Throws when the files are missing, unreadable or do not match;
    /// the previous certificate is then still served.
    public func reloadCertificates() async throws {
        guard let watch = self.state.withLockedValue({ $0.certificateWatch }) else { return }
        let threadPool = self.threadPool
        try await watch.reloadNow { read in try await threadPool.runIfActive(read) }
    }

    /// How many renewed certificates were adopted since start-up (by SIGHUP or by the file check); 0 without TLS.
    public var certificateReloads: Int {
        self.state.withLockedValue { $0.certificateWatch?.identity.reloads ?? 0 }
    }

    /// Stops accepting: new connections wait in the kernel's accept queue (see `ConnectionAdmission`).
    public func pauseAccepting() async {
        await self.admission.pauseAccepting()
    }

    /// Accepts again after `pauseAccepting()`.
    public func resumeAccepting() async {
        await self.admission.resumeAccepting()
    }

    /// Serves until graceful shutdown is requested, then drains and stops.
    public func run() async throws {
        try await self.start()
        self.onListening?(self.listening)
        // Returns when the service group signals graceful shutdown (or the task is cancelled).
        try? await gracefulShutdown()
        try await self.shutdown()
    }

    /// Stops accepting, waits up to the drain timeout for open connections to finish, then stops.
    ///
    /// - Returns: whether every connection finished within the drain timeout (false: some were cut).
    @discardableResult
    public func shutdown() async throws -> Bool {
        let alreadyStopped = self.state.withLockedValue { state in
            defer { state.stopped = true }
            return state.stopped
        }
        guard !alreadyStopped else { return true }
        let (listeners, sampling, watcher, certificateWatch) = self.state.withLockedValue { state in
            defer {
                state.listeners = []
                state.sampling = nil
                state.watcher = nil
                state.certificateWatch = nil
            }
            return (state.listeners.map(\.bound), state.sampling, state.watcher, state.certificateWatch)
        }
        await certificateWatch?.stop()
        await watcher?.stop()
        // The sampler stops before the loops do: a collection in flight must not schedule on a loop that is gone.
        sampling?.cancel()
        await sampling?.value
        for listener in listeners { await listener.close() }
        self.connections.quiesce()
        self.logger.notice(
            "stopped accepting; draining open connections",
            metadata: [
                "connections": "\(self.connections.count)",
                "drain-timeout": "\(self.configuration.accept.drainTimeout)",
            ]
        )
        // Whichever comes first, every connection closed or the drain timeout, ends the wait.
        let drainTimeout = self.configuration.accept.drainTimeout
        let connections = self.connections
        let drained = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await connections.waitUntilEmpty()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: drainTimeout)
                return false
            }
            let drained = await group.next() ?? true
            // Closing what is left lets the waiting task finish; cancelling ends the sleep.
            if !drained { connections.closeAll() }
            group.cancelAll()
            return drained
        }
        if !drained {
            self.logger.warning("drain timeout reached; closed the remaining connections")
        }
        try await self.threadPool.shutdownGracefully()
        try await self.group.shutdownGracefully()
        self.state.withLockedValue { $0.accessLog }?.close()
        return drained
    }

    private func makeFileResponder() throws -> any Responder {
        guard let options = self.configuration.staticFiles else {
            return DefaultSite.responder(modificationTime: Int(time(nil)))
        }
        return try StaticFileResponder(options: options, threadPool: self.threadPool)
    }
}
