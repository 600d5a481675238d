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
        let configuration = self.configuration
        try configuration.validate()
        var configured: [(role: ListenerRole, address: ListenAddress, protocol: any ConnectionProtocol)] = []
        if let resp = configuration.listeners.resp {
            var connection = WireConnection(RESPProtocol(), logger: self.logger)
            connection.journey = self.statistics.recorders
            configured.append((.resp, resp, connection))
        }
        self.threadPool.start()
        let observe = ObserveRoutes(statistics: self.statistics, admission: self.admission) { [weak self] in
            await self?.collectStatistics()
        }
        let site = try await self.makeMainSite(configuration, observe: observe, replacing: nil)
        // What the main listener speaks is looked up at each accept, so `reload(_:)` changes it for new connections
        // while the open ones keep theirs.
        let mainProtocol = ReloadableConnectionProtocol(site.connectionProtocol)
        let mainAddress = configuration.listeners.main
        let inherited = self.inheritedSockets(configuration)
        var mains: [(key: String, host: String, bound: BoundListener)] = []
        for socket in self.mainSockets(configuration, inherited: inherited) {
            let (host, bound) = try await self.bind(socket, speaking: mainProtocol)
            mains.append((socket.key, host, bound))
            self.state.withLockedValue { state in
                state.listeners.append((.main, host, bound))
                state.mainSockets.append((socket.key, bound))
            }
        }
        let main = mains[0].bound
        self.statistics.recorders.countSites(site.siteCounting)
        self.state.withLockedValue { state in
            state.inherited = inherited
            state.site = site
            state.mainProtocol = mainProtocol
            state.observe = observe
        }
        if let redirect = configuration.listeners.redirect {
            let redirectProtocol = self.httpProtocol(
                .http1,
                responder: HTTPSRedirect(httpsPort: main.port, fallbackHost: mainAddress.host),
                upgraders: [],
                accessLog: site.accessLog,
                configuration: configuration
            )
            configured.append((.redirect, redirect, redirectProtocol))
        }
        for (role, address, connectionProtocol) in configured + self.state.withLockedValue({ $0.extraListeners }) {
            let bound = try await self.bind(address, speaking: connectionProtocol, admission: self.admission)
            self.state.withLockedValue { $0.listeners.append((role, address.host, bound)) }
        }
        if let admin = configuration.listeners.admin {
            // The admin listener shows the dashboard to whoever can reach it: bind it where only operators can.
            var adminRouter = Router()
            observe.addMetrics(to: &adminRouter)
            observe.addDashboard(to: &adminRouter, access: .everyone)
            observe.addAcceptControl(to: &adminRouter)
            adminRouter.prepare()
            // Scraped and opened directly, not through the load balancer: no PROXY header is expected of it.
            let adminProtocol = self.httpProtocol(
                .http1,
                responder: adminRouter,
                upgraders: self.upgraders(for: adminRouter),
                accessLog: nil,
                configuration: configuration,
                behindProxies: false
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

    /// What the main listener serves under `configuration`: its router (the user's routes, the built-in endpoints,
    /// the folder), its access log, its certificate and its protocol. What `previous` had and `configuration` keeps
    /// as it was (the access log file, the certificate files) is taken over rather than opened again.
    func makeMainSite(
        _ configuration: Configuration,
        observe: ObserveRoutes,
        replacing previous: MainSite?
    ) async throws -> MainSite {
        let observeOptions = configuration.observe
        let previousLogs = previous?.accessLogWriters ?? []
        var writers: [AccessLogWriter] = []
        /// The writer for `path` in `format`: the one open before a reload when it is the same, else a new one.
        func writer(_ path: String, _ format: AccessLogFormat) throws -> AccessLogWriter {
            if let open = (writers + previousLogs).first(where: { $0.path == path && $0.format == format }) {
                if !writers.contains(where: { $0 === open }) { writers.append(open) }
                return open
            }
            let made = try AccessLogWriter(path: path, format: format)
            writers.append(made)
            return made
        }
        let serverLog = try observeOptions.accessLogPath.map { try writer($0, observeOptions.accessLogFormat) }
        var accessLog: (any AccessLogSink)? = serverLog
        if configuration.sites.contains(where: { $0.accessLogPath != nil }) {
            var logs: [(patterns: [HostPattern], site: AccessLogWriter?)] = []
            var defaultLog = serverLog
            let defaultIndex = configuration.sites.firstIndex(where: \.isDefault) ?? 0
            for (index, site) in configuration.sites.enumerated() {
                let format = site.accessLogFormat ?? observeOptions.accessLogFormat
                let log = try site.accessLogPath.map { try writer($0, format) } ?? serverLog
                logs.append((site.hosts.compactMap(HostPattern.init), log))
                if index == defaultIndex { defaultLog = log }
            }
            // A host no site names is logged where it is served: the default site, or the server's log for a 421.
            let unknownHost = configuration.unknownHost == .defaultSite ? defaultLog : serverLog
            accessLog = SiteAccessLog(logs: SiteTable(logs, fallback: nil), unknownHost: unknownHost)
        }
        var router = self.router ?? Router()
        let webSocket = configuration.webSocket
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
        var siteCounting: SiteCounting?
        if router.fallback == nil {
            if configuration.sites.isEmpty {
                router.fallback = try self.makeFileResponder(
                    configuration,
                    embeddedSiteWhenNoFolder: self.router == nil
                )
            } else {
                let sites = try self.makeSiteResponder(configuration)
                siteCounting = Self.siteCounting(sites, configuration)
                router.fallback = sites
            }
        }
        var watcher: DirectoryWatcher?
        if webSocket.liveReload, let root = configuration.staticFiles?.root, let files = router.fallback {
            let liveReload = LiveReload()
            router.add(liveReload.route)
            router.fallback = LiveReloadInjector(responder: files)
            let loop = self.group.next()
            let staticFiles = files as? StaticFileResponder
            watcher = try await DirectoryWatcher.watch(root, on: loop, threadPool: self.threadPool) { _ in
                staticFiles?.forgetCachedFiles()
                liveReload.fileChanged(on: loop)
            }
        }
        try router.validate()
        router.prepare()
        var speaking = configuration.http2.cleartext ? HTTPListenerKind.cleartextWithHTTP2 : .http1
        var certificateWatch: CertificateWatch?
        var siteCertificateWatches: [CertificateWatch] = []
        if let tls = configuration.tls {
            let previousWatches = previous?.allCertificateWatches ?? []
            let watch = try await self.certificateWatch(for: tls, reusingOneOf: previousWatches)
            certificateWatch = watch
            // Sites with certificates of their own: chosen by the name the client sends (SNI).
            var named: [(patterns: [HostPattern], site: ServerIdentity)] = []
            for site in configuration.sites {
                guard let siteTLS = site.tls else { continue }
                let siteWatch = try await self.certificateWatch(for: siteTLS, reusingOneOf: previousWatches)
                siteCertificateWatches.append(siteWatch)
                named.append((site.hosts.compactMap(HostPattern.init), siteWatch.identity))
            }
            let identities = SiteTable<ServerIdentity>(named, fallback: nil)
            var identityForServerName: (@Sendable (String) -> ServerIdentity?)?
            if !named.isEmpty {
                identityForServerName = { name in identities.site(for: name[...]) }
            }
            speaking = .tls(watch.identity, tls, identityForServerName: identityForServerName)
        }
        let responder: any Responder =
            configuration.compression.map { CompressingResponder(router, options: $0, threadPool: self.threadPool) }
            ?? router
        let connectionProtocol = self.httpProtocol(
            speaking,
            responder: responder,
            upgraders: self.upgraders(for: router),
            accessLog: accessLog,
            configuration: configuration
        )
        return MainSite(
            connectionProtocol: connectionProtocol,
            accessLog: accessLog,
            accessLogWriters: writers,
            watcher: watcher,
            siteCounting: siteCounting,
            certificateWatch: certificateWatch,
            siteCertificateWatches: siteCertificateWatches
        )
    }

    /// A watch of `tls`'s files: one of `previous` when it reads the same files (read again now, as nginx's reload
    /// does), else a new one.
    private func certificateWatch(
        for tls: TLSOptions,
        reusingOneOf previous: [CertificateWatch]
    ) async throws -> CertificateWatch {
        if let same = previous.first(where: {
            $0.identity.certificatePath == tls.certificatePath && $0.identity.privateKeyPath == tls.privateKeyPath
        }) {
            let threadPool = self.threadPool
            try await same.reloadNow { read in try await threadPool.runIfActive(read) }
            return same
        }
        let identity = try ServerIdentity(
            certificatePath: tls.certificatePath,
            privateKeyPath: tls.privateKeyPath,
            checkInterval: tls.checkInterval,
            logger: self.logger
        )
        // Renewed certificate files are picked up within the check interval (SIGHUP: `reloadCertificates()`).
        return CertificateWatch(identity: identity)
    }

    /// How requests are counted by site (`journey_site_requests_total`, the dashboard's sites), by the table that
    /// answers them: each site by its first host (`default` for one that names none), a host no site takes as
    /// `unknown` (a 421 or 404).
    private static func siteCounting(_ sites: SiteResponder, _ configuration: Configuration) -> SiteCounting {
        let names = configuration.sites.map { $0.hosts.first?.lowercased() ?? "default" } + ["unknown"]
        let unknown = names.count - 1
        return SiteCounting(names: names) { host in sites.siteIndex(for: host) ?? unknown }
    }

    /// The sites of `configuration` by the hosts they name.
    private func makeSiteResponder(_ configuration: Configuration) throws -> SiteResponder {
        var entries: [(patterns: [HostPattern], site: SiteResponder.Entry)] = []
        var fallback: SiteResponder.Entry?
        for (index, site) in configuration.sites.enumerated() {
            var responder: any Responder =
                try site.staticFiles.map { try StaticFileResponder(options: $0, threadPool: self.threadPool) }
                ?? Router()
            if !site.rules.isEmpty {
                let rules = try site.rules.map {
                    try CompiledRule($0, folder: site.staticFiles, threadPool: self.threadPool)
                }
                responder = SiteRulesResponder(rules: rules, files: responder)
            }
            let entry = SiteResponder.Entry(responder, index: index)
            entries.append((site.hosts.compactMap(HostPattern.init), entry))
            if site.isDefault { fallback = entry }
        }
        if configuration.unknownHost == .defaultSite {
            fallback = fallback ?? entries.first?.site
        } else {
            fallback = nil
        }
        return SiteResponder(
            table: SiteTable(entries, fallback: fallback),
            unknownHostStatus: configuration.unknownHost == .notFound ? .notFound : .misdirectedRequest,
            // One site that every host reaches: the fast paths need not read the Host at all.
            only: entries.count == 1 && configuration.unknownHost == .defaultSite ? entries[0].site : nil
        )
    }

    private func makeFileResponder(
        _ configuration: Configuration,
        embeddedSiteWhenNoFolder: Bool
    ) throws -> (any Responder)? {
        guard let options = configuration.staticFiles else {
            return embeddedSiteWhenNoFolder ? DefaultSite.responder(modificationTime: Int(time(nil))) : nil
        }
        return try StaticFileResponder(options: options, threadPool: self.threadPool)
    }
}
