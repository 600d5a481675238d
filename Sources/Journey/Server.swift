import JourneyAccept
import JourneyConnection
import JourneyCore
import JourneyObserve
import JourneyTLS
import JourneyWebSocket
import JourneyWire
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A Journey server: event loops, listeners and the router, run as a swift-service-lifecycle `Service`.
///
/// `run()` serves until graceful shutdown is requested (SIGTERM/SIGINT through a `ServiceGroup`), then
/// stops accepting, lets in-flight responses finish within the drain timeout, and returns.
public final class Server: Service, Sendable {
    /// The configuration in force: the one the server was made with, or the last one `reload(_:)` adopted.
    public var configuration: Configuration {
        self.state.withLockedValue { $0.configuration }
    }
    /// The user's router; nil when none was given (the CLI's case), and the embedded site is then the fallback.
    let router: Router?
    let logger: Logger
    let group: MultiThreadedEventLoopGroup
    let threadPool: NIOThreadPool
    /// The open accepted connections (their count, and a way to wait until there are none).
    package let connections = ConnectionRegistry()
    /// The connection cap and its counts (open, peak, paused).
    package let admission: ConnectionAdmission
    /// The journey gathered: stage percentiles, rates, recent requests, the kernel's queues, Prometheus.
    public let statistics: JourneyStatistics
    /// The topics of the built-in pub/sub endpoint (`--ws-pubsub`); publish to them from code too.
    public let pubSubHub: PubSubHub
    /// Gathers the journey and the kernel's queues once a second while the server runs.
    let sampler: JourneySampler
    let onListening: (@Sendable (_ listening: [Listening]) -> Void)?
    let state: NIOLockedValueBox<State>

    struct State {
        /// The configuration in force.
        var configuration: Configuration
        /// The bound listeners, each with its role, in the order they were bound.
        var listeners: [(role: ListenerRole, host: String, bound: BoundListener)] = []
        /// The main site's sockets by their `MainSocket.key`: what a reload compares to keep, add and close them.
        var mainSockets: [(key: String, bound: BoundListener)] = []
        /// The sockets systemd passed at start (socket activation), kept for reloads.
        var inherited: [CInt] = []
        /// Listeners added with `listen(on:protocol:)`, bound by `start()` after the configured ones.
        var extraListeners: [(role: ListenerRole, address: ListenAddress, protocol: any ConnectionProtocol)] = []
        var sampling: Task<Void, Never>?
        /// What the main listener serves now; `mainProtocol` hands its protocol to each new connection.
        var site: MainSite?
        var mainProtocol: ReloadableConnectionProtocol?
        /// The routes of /metrics and the dashboard, made once: a reload adds them to its new router.
        var observe: ObserveRoutes?
        /// Access logs a reload replaced: connections accepted before it still write to them until shutdown.
        var retiredAccessLogs: [AccessLogWriter] = []
        /// A reload is under way (reloads run one at a time).
        var reloading = false
        var started = false
        var stopped = false
    }

    /// Creates a server; `router`'s routes come first, then the folder.
    ///
    /// - Parameters:
    ///   - configuration: what to serve and how; checked by `start()` (`Configuration.validate()`).
    ///   - router: the routes, WebSocket routes included. Its fallback, when it has none, is the configured folder;
    ///     without a folder what no route takes is a 404. With no router at all (nil), the server serves the folder,
    ///     or Journey's embedded demo site when there is none, as `journey serve` does.
    ///   - logger: the server's own log; its level is `configuration.observe.logLevel`.
    ///   - onListening: called by `run()` once the listeners are bound, with each one's role and port. Under a
    ///     `ServiceGroup` the signal handlers are in place by then, so a supervisor that reads the port and sends
    ///     SIGTERM right away gets a graceful shutdown, not a lost signal.
    public init(
        configuration: Configuration,
        router: Router? = nil,
        logger: Logger? = nil,
        onListening: (@Sendable (_ listening: [Listening]) -> Void)? = nil
    ) {
        self.onListening = onListening
        self.admission = ConnectionAdmission(maximum: configuration.accept.maximumConnections)
        self.state = NIOLockedValueBox(State(configuration: configuration))
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
            exposesMetrics: configuration.observe.servesMetrics || configuration.listeners.admin != nil,
            instance: configuration.instanceID,
            backplane: configuration.webSocket.pubSubRedis != nil
        )
        self.pubSubHub = Self.makePubSubHub(configuration, statistics: self.statistics, on: self.group, logger: logger)
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
                            JourneySampler.ListeningSocket(channel: $0, protocolName: listener.bound.protocolName)
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
            state.listeners.map { Listening(role: $0.role, address: ListenAddress(host: $0.host, port: $0.bound.port)) }
        }
    }

    /// The port of the first listener with `role` (after `start()`); nil when there is none.
    public func port(of role: ListenerRole) -> Int? {
        self.listening.first { $0.role == role }?.address.port
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

    /// Gathers the journey now: every loop's counts, each listener's accept queue (TCP_INFO) and the
    /// kernel's listen-drop counters (/proc/net/netstat, read on the thread pool). Runs once a second by
    /// itself; call it to see the numbers of this instant.
    public func collectStatistics(closingSecond: Bool = false) async {
        await self.sampler.collect(closingSecond: closingSecond)
    }

    /// Reads the TLS certificate and key files again now (what SIGHUP does in `journey serve`): new connections get
    /// the new certificate, open ones keep theirs. Throws when the files are missing, unreadable or do not match;
    /// the previous certificate is then still served.
    public func reloadCertificates() async throws {
        let watches = self.state.withLockedValue { $0.site?.allCertificateWatches ?? [] }
        let threadPool = self.threadPool
        for watch in watches { try await watch.reloadNow { read in try await threadPool.runIfActive(read) } }
    }

    /// How many renewed certificates were adopted since start-up (by SIGHUP or by the file check); 0 without TLS.
    public var certificateReloads: Int {
        self.state.withLockedValue { $0.site?.certificateWatch?.identity.reloads ?? 0 }
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
}
