import JourneyAccept
import JourneyConnection
import JourneyCore
import JourneyHTTP1
import JourneyObserve
import JourneySite
import JourneyStaticFiles
import Logging
import NIOConcurrencyHelpers
import NIOCore
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
    public let connections = ConnectionRegistry()
    /// The connection cap and its counts (open, peak, paused).
    public let admission: ConnectionAdmission
    private let onListening: (@Sendable (_ ports: [Int]) -> Void)?
    private let state = NIOLockedValueBox(State())

    private struct State {
        var listeners: [BoundListener] = []
        var accessLog: AccessLogWriter?
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
        self.admission = ConnectionAdmission(maximum: configuration.maximumConnections)
        self.configuration = configuration
        self.router = router
        var logger = logger ?? Logger(label: "journey")
        logger.logLevel = configuration.logLevel
        self.logger = logger
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
        self.threadPool = NIOThreadPool(numberOfThreads: 2)
    }

    /// The ports the listeners are bound to (after `start()`), in listener order.
    public var ports: [Int] {
        self.state.withLockedValue { $0.listeners.map(\.port) }
    }

    /// Binds the listeners and starts serving; returns once connections are being accepted.
    public func start() async throws {
        let alreadyStarted = self.state.withLockedValue { state in
            defer { state.started = true }
            return state.started
        }
        guard !alreadyStarted else { return }
        self.threadPool.start()
        let accessLog = try self.configuration.accessLogPath.map { try AccessLogWriter(path: $0) }
        var router = self.router
        if router.fallback == nil {
            router.fallback = try self.makeFileResponder()
        }
        let connectionProtocol = HTTP1Connection(
            responder: router,
            limits: self.configuration.limits,
            timeouts: self.configuration.timeouts,
            accessLog: accessLog,
            logger: self.logger
        )
        let listener = Listener(
            host: self.configuration.host,
            port: self.configuration.port,
            backlog: self.configuration.backlog,
            acceptModel: self.configuration.acceptModel,
            protocol: connectionProtocol
        )
        let bound = try await BoundListener.bind(
            listener,
            on: self.group,
            connections: self.connections,
            admission: self.admission
        )
        self.state.withLockedValue { state in
            state.listeners.append(bound)
            state.accessLog = accessLog
        }
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
        let listeners = self.state.withLockedValue { state in
            defer { state.listeners = [] }
            return state.listeners
        }
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
