import JourneyAccept
import JourneyConnection
import JourneyCore
import JourneyObserve
import JourneyRESP
import JourneySite
import JourneyStaticFiles
import JourneyTLS
import JourneyWebSocket
import JourneyWire
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The composition root: the configuration made into routes, responders and listeners.
extension Server {
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
        var router = self.router ?? Router()
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
            router.fallback = try self.makeFileResponder(embeddedSiteWhenNoFolder: self.router == nil)
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
        try router.validate()
        router.prepare()
        var speaking = self.configuration.http2.cleartext ? HTTPListenerKind.cleartextWithHTTP2 : .http1
        var identity: ServerIdentity?
        if let tls = self.configuration.tls {
            let served = try ServerIdentity(
                certificatePath: tls.certificatePath,
                privateKeyPath: tls.privateKeyPath,
                checkInterval: tls.checkInterval,
                logger: self.logger
            )
            speaking = .tls(served, tls)
            identity = served
        }
        let mainAddress = self.configuration.listeners.main
        let mainProtocol = self.httpProtocol(
            speaking,
            responder: router,
            upgraders: self.upgraders(for: router),
            accessLog: accessLog
        )
        let main = try await self.bind(
            mainAddress,
            acceptModel: self.configuration.accept.model,
            speaking: mainProtocol,
            admission: self.admission
        )
        self.state.withLockedValue { state in
            state.listeners.append((.main, mainAddress.host, main))
            state.accessLog = accessLog
            // Renewed certificate files are picked up within the check interval (SIGHUP: `reloadCertificates()`).
            state.certificateWatch = identity.map(CertificateWatch.init)
        }
        if let redirect = self.configuration.listeners.redirect {
            let redirectProtocol = self.httpProtocol(
                .http1,
                responder: HTTPSRedirect(httpsPort: main.port, fallbackHost: mainAddress.host),
                upgraders: [],
                accessLog: accessLog
            )
            configured.append((.redirect, redirect, redirectProtocol))
        }
        for (role, address, connectionProtocol) in configured + self.state.withLockedValue({ $0.extraListeners }) {
            let bound = try await self.bind(address, speaking: connectionProtocol, admission: self.admission)
            self.state.withLockedValue { $0.listeners.append((role, address.host, bound)) }
        }
        if let admin = self.configuration.listeners.admin {
            // The admin listener shows the dashboard to whoever can reach it: bind it where only operators can.
            var adminRouter = Router()
            observe.addMetrics(to: &adminRouter)
            observe.addDashboard(to: &adminRouter, access: .everyone)
            observe.addAcceptControl(to: &adminRouter)
            adminRouter.prepare()
            let adminProtocol = self.httpProtocol(
                .http1,
                responder: adminRouter,
                upgraders: self.upgraders(for: adminRouter),
                accessLog: nil
            )
            // Apart from the connection cap and from pauseAccepting(): the operator must still get in.
            let bound = try await self.bind(
                admin,
                speaking: adminProtocol,
                admission: ConnectionAdmission(maximum: nil)
            )
            self.state.withLockedValue { $0.listeners.append((.admin, admin.host, bound)) }
        }
        let sampler = self.sampler
        self.state.withLockedValue { $0.sampling = Task { await sampler.run() } }
    }

    private func makeFileResponder(embeddedSiteWhenNoFolder: Bool) throws -> (any Responder)? {
        guard let options = self.configuration.staticFiles else {
            return embeddedSiteWhenNoFolder ? DefaultSite.responder(modificationTime: Int(time(nil))) : nil
        }
        return try StaticFileResponder(options: options, threadPool: self.threadPool)
    }
}
