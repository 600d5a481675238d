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
    private let onListening: (@Sendable (_ ports: [Int]) -> Void)?
    private let state = NIOLockedValueBox(State())

    private struct State {
        var listeners: [BoundListener] = []
        /// Listeners added with `listen(on:protocol:)`, bound by `start()` after the main one.
        var extraListeners: [(address: ListenAddress, protocol: any ConnectionProtocol)] = []
        var adminListener: BoundListener?
        var sampler: Task<Void, Never>?
        var watcher: DirectoryWatcher?
        var accessLog: AccessLogWriter?
        /// The TLS certificate served, and the task that checks its files for a renewal.
        var identity: ServerIdentity?
        var certificateWatch: Task<Void, Never>?
        var started = false
        var stopped = false
    }

    /// Creates a server; `router`'s routes come first, then the folder (or the embedded site).
    ///
    /// - Parameter onListening: called by `run()` once the listeners are bound, with their ports. Under a
    ///   `ServiceGroup` the signal handlers are in place by then, so a supervisor that reads the port and
    ///   sends SIGTERM right away gets a graceful shutdown, not a lost signal.
    public init(
        configuration: Configuration,
        router: Router = Router(),
        logger: Logger? = nil,
        onListening: (@Sendable (_ ports: [Int]) -> Void)? = nil
    ) {
        self.onListening = onListening
        self.pubSubHub = PubSubHub(includesSender: configuration.pubSubIncludesSender)
        self.admission = ConnectionAdmission(maximum: configuration.maximumConnections)
        self.configuration = configuration
        self.router = router
        var logger = logger ?? Logger(label: "journey")
        logger.logLevel = configuration.logLevel
        self.logger = logger
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
        self.threadPool = NIOThreadPool(numberOfThreads: 2)
        self.statistics = JourneyStatistics(
            recorders: JourneyRecorders(
                group: self.group,
                clock: JourneyClock(running: configuration.recordsJourney),
                keepsRecentRequests: configuration.dashboard != .off
            ),
            exposesMetrics: configuration.servesMetrics || configuration.admin != nil
        )
    }

    /// The admin listener's port (after `start()`), if there is one.
    public var adminPort: Int? {
        self.state.withLockedValue { $0.adminListener?.port }
    }

    /// The ports the listeners are bound to (after `start()`): the main listener's first, then those added
    /// with `listen(on:protocol:)` (the RESP listener first among them), in the order they were added.
    public var ports: [Int] {
        self.state.withLockedValue { $0.listeners.map(\.port) }
    }

    /// The ports of the listeners speaking `protocolName` (`"resp"`, a `WireProtocol`'s name), after `start()`.
    public func ports(speaking protocolName: String) -> [Int] {
        self.state.withLockedValue { $0.listeners.filter { $0.protocolName == protocolName }.map(\.port) }
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

    /// Adds a listener speaking any `ConnectionProtocol` (a pipeline of your own); call it before `start()`.
    public func listen(on address: ListenAddress, connectionProtocol: any ConnectionProtocol) {
        self.state.withLockedValue { state in
            precondition(!state.started, "listen(on:protocol:) comes before start()")
            state.extraListeners.append((address, connectionProtocol))
        }
    }

    /// Binds the listeners and starts serving; returns once connections are being accepted.
    public func start() async throws {
        let alreadyStarted = self.state.withLockedValue { state in
            defer { state.started = true }
            return state.started
        }
        guard !alreadyStarted else { return }
        if let resp = self.configuration.resp {
            var connection = WireConnection(RESPProtocol(), logger: self.logger)
            connection.journey = self.statistics.recorders
            // Before any extra listener of the embedder's, so it is `ports[1]`.
            self.state.withLockedValue { state in state.extraListeners.insert((resp, connection), at: 0) }
        }
        self.threadPool.start()
        let accessLog = try self.configuration.accessLogPath.map {
            try AccessLogWriter(path: $0, format: self.configuration.accessLogFormat)
        }
        let observe = ObserveRoutes(statistics: self.statistics, admission: self.admission) { [weak self] in
            await self?.collectStatistics()
        }
        var router = self.router
        if let path = self.configuration.webSocketEchoPath {
            router.add(WebSocketRoute.echo(path, options: self.configuration.webSocket))
        }
        if let path = self.configuration.pubSubPath {
            router.add(PubSubEndpoint(path: path, hub: self.pubSubHub, options: self.configuration.webSocket))
        }
        if self.configuration.servesMetrics { observe.addMetrics(to: &router) }
        if self.configuration.dashboard != .off {
            observe.addDashboard(to: &router, access: self.configuration.dashboard)
        }
        if router.fallback == nil {
            router.fallback = try self.makeFileResponder()
        }
        if self.configuration.liveReload, let root = self.configuration.root, let files = router.fallback {
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
        let main = try await self.bind(
            host: self.configuration.host,
            port: self.configuration.port,
            backlog: self.configuration.backlog,
            acceptModel: self.configuration.acceptModel,
            responder: router,
            upgraders: self.upgraders(
                for: router.webSocketRoutes
                    + [observe.feedRoute(access: self.configuration.dashboard)].compactMap { $0 }
            ),
            accessLog: accessLog,
            admission: self.admission,
            speaking: identity.map { .tls($0) }
                ?? (self.configuration.servesCleartextHTTP2 ? .cleartextWithHTTP2 : .http1)
        )
        self.state.withLockedValue { state in
            state.listeners.append(main)
            state.accessLog = accessLog
            state.identity = identity
        }
        if let identity {
            // Renewed certificate files are picked up within the check interval (SIGHUP: `reloadCertificates()`).
            let watch = Task {
                do {
                    try await identity.watch()
                } catch {
                    // Cancelled at shutdown.
                }
            }
            self.state.withLockedValue { $0.certificateWatch = watch }
        }
        if let redirect = self.configuration.tls?.redirect {
            var redirectProtocol = HTTP1Connection(
                responder: HTTPSRedirect(httpsPort: main.port, fallbackHost: self.configuration.host),
                limits: self.configuration.limits,
                timeouts: self.configuration.timeouts,
                accessLog: accessLog,
                logger: self.logger
            )
            redirectProtocol.journey = self.statistics.recorders
            self.state.withLockedValue { state in
                let position = self.configuration.resp == nil ? 0 : 1
                state.extraListeners.insert((redirect, redirectProtocol), at: position)
            }
        }
        for (address, connectionProtocol) in self.state.withLockedValue({ $0.extraListeners }) {
            let listener = Listener(host: address.host, port: address.port, protocol: connectionProtocol)
            let bound = try await BoundListener.bind(
                listener,
                on: self.group,
                connections: self.connections,
                admission: self.admission
            )
            self.state.withLockedValue { $0.listeners.append(bound) }
        }
        if let admin = self.configuration.admin {
            // The admin listener shows the dashboard to whoever can reach it: bind it where only operators can.
            var adminRouter = Router()
            observe.addMetrics(to: &adminRouter)
            observe.addDashboard(to: &adminRouter, access: .everyone)
            observe.addAcceptControl(to: &adminRouter)
            let bound = try await self.bind(
                host: admin.host,
                port: admin.port,
                backlog: 128,
                acceptModel: .shared,
                responder: adminRouter,
                upgraders: self.upgraders(for: [observe.feedRoute(access: .everyone)].compactMap { $0 }),
                accessLog: nil,
                // Apart from the connection cap and from pauseAccepting(): the operator must still get in.
                admission: ConnectionAdmission(maximum: nil),
                speaking: .http1
            )
            self.state.withLockedValue { $0.adminListener = bound }
        }
        let sampler = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard let self, !Task.isCancelled else { return }
                await self.collectStatistics(closingSecond: true)
            }
        }
        self.state.withLockedValue { $0.sampler = sampler }
    }

    /// One upgrader serves every WebSocket route of a listener (NIO takes one per protocol name).
    private func upgraders(for routes: [WebSocketRoute]) -> [any HTTPServerProtocolUpgrader & Sendable] {
        guard !routes.isEmpty else { return [] }
        return [WebSocketUpgrader(routes: routes, journey: self.statistics.recorders, logger: self.logger)]
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
        host: String,
        port: Int,
        backlog: Int,
        acceptModel: AcceptModel,
        responder: any Responder,
        upgraders: [any HTTPServerProtocolUpgrader & Sendable],
        accessLog: AccessLogWriter?,
        admission: ConnectionAdmission,
        speaking kind: HTTPListenerKind
    ) async throws -> BoundListener {
        var http1 = HTTP1Connection(
            responder: responder,
            limits: self.configuration.limits,
            timeouts: self.configuration.timeouts,
            accessLog: accessLog,
            logger: self.logger,
            sendsServerTiming: self.configuration.sendsServerTiming
        )
        http1.journey = self.statistics.recorders
        http1.upgraders = upgraders
        http1.takesFastPath = self.configuration.takesFastPath
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
            host: host,
            port: port,
            backlog: backlog,
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
        await self.statistics.collect(closingSecond: closingSecond)
        let listeners = self.state.withLockedValue { $0.listeners }
        var queues: [AcceptQueueSample] = []
        for listener in listeners {
            for channel in listener.channels {
                let name = channel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
                let sample = try? await AcceptQueueSample.read(
                    from: channel,
                    listener: name,
                    protocolName: listener.protocolName
                ).get()
                if let sample {
                    queues.append(sample)
                }
            }
        }
        // One trip to the thread pool for the /proc reads; the connections' own queues are for the dashboard
        // and read only where it is on.
        let ports = Set(listeners.map(\.port))
        let readsSockets = self.configuration.dashboard != .off
        let kernel = try? await self.threadPool.runIfActive {
            (ListenQueueCounters.read(), readsSockets ? SocketQueues.read(ports: ports) : nil)
        }
        self.statistics.record(acceptQueues: queues, listenCounters: kernel?.0)
        guard readsSockets else { return }
        let sockets = kernel?.1
        var roundTrips: [Int] = []
        #if os(Linux)
        for channel in self.connections.some(upTo: 16) {
            guard let provider = channel as? any SocketOptionProvider,
                let info = try? await provider.getTCPInfo().get()
            else { continue }
            roundTrips.append(Int(info.tcpi_rtt))
        }
        #endif
        self.statistics.record(sockets: sockets, roundTripMicroseconds: roundTrips.sorted().middle)
    }

    /// HTTP/2 for a listener that offers it, with the configuration's limits and timeouts (its body limit is
    /// HTTP/1.1's).
    private func http2Connection(responder: any Responder, accessLog: AccessLogWriter?) -> HTTP2Connection {
        var limits = self.configuration.http2
        limits.maximumBodySize = self.configuration.limits.maximumBodySize
        var http2 = HTTP2Connection(
            responder: responder,
            fileReader: ThreadPoolFileReader(threadPool: self.threadPool),
            limits: limits,
            idleTimeout: self.configuration.timeouts.keepAliveIdle,
            gracePeriod: TimeAmount(self.configuration.drainTimeout),
            sendTimeout: self.configuration.timeouts.write,
            accessLog: accessLog,
            logger: self.logger,
            sendsServerTiming: self.configuration.sendsServerTiming
        )
        http2.journey = self.statistics.recorders
        http2.takesFastPath = self.configuration.takesFastPath
        return http2
    }

    /// Reads the TLS certificate and key files again now (what SIGHUP does in `journey serve`): new connections get
    /// the new certificate, open ones keep theirs. Throws when the files are missing, unreadable or do not match;
    /// the previous certificate is then still served.
    public func reloadCertificates() async throws {
        guard let identity = self.state.withLockedValue({ $0.identity }) else { return }
        try await self.threadPool.runIfActive { try identity.reload() }
    }

    /// How many renewed certificates were adopted since start-up (by SIGHUP or by the file check); 0 without TLS.
    public var certificateReloads: Int {
        self.state.withLockedValue { $0.identity?.reloads ?? 0 }
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
        self.onListening?(self.ports)
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
        let (listeners, sampler, watcher, certificateWatch) = self.state.withLockedValue { state in
            defer {
                state.listeners = []
                state.adminListener = nil
                state.sampler = nil
                state.watcher = nil
                state.certificateWatch = nil
            }
            return (
                state.listeners + (state.adminListener.map { [$0] } ?? []), state.sampler, state.watcher,
                state.certificateWatch
            )
        }
        certificateWatch?.cancel()
        await certificateWatch?.value
        await watcher?.stop()
        // The sampler stops before the loops do: a collection in flight must not schedule on a loop that is gone.
        sampler?.cancel()
        await sampler?.value
        for listener in listeners { await listener.close() }
        self.connections.quiesce()
        self.logger.notice(
            "stopped accepting; draining open connections",
            metadata: [
                "connections": "\(self.connections.count)",
                "drain-timeout": "\(self.configuration.drainTimeout)",
            ]
        )
        // Whichever comes first, every connection closed or the drain timeout, ends the wait.
        let drainTimeout = self.configuration.drainTimeout
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
        guard let root = self.configuration.root else {
            return DefaultSite.responder(modificationTime: Int(time(nil)))
        }
        let options = StaticFileOptions(
            root: root,
            indexFile: self.configuration.indexFile.isEmpty ? nil : self.configuration.indexFile,
            listsDirectories: self.configuration.listsDirectories,
            servesDotfiles: self.configuration.servesDotfiles,
            followsSymlinks: self.configuration.followsSymlinks,
            cacheControl: self.configuration.cacheControl
        )
        return try StaticFileResponder(options: options, threadPool: self.threadPool)
    }
}

extension Array {
    /// The middle element (the median of a sorted array), nil when empty.
    fileprivate var middle: Element? { self.isEmpty ? nil : self[self.count / 2] }
}
