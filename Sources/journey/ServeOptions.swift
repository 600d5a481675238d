import ArgumentParser
import Journey
import Logging

/// The flags of `journey serve`, each mapped onto a field of the `Configuration` tree. Every default is read from
/// the tree (or the stage type it holds), so `--help` prints the library's own defaults.
struct ServeOptions: ParsableArguments {
    /// The library's defaults, which the flags start from.
    private static let defaults = Configuration()
    private static let fileDefaults = StaticFileOptions(root: "")

    @Argument(help: "The folder to serve. Without one, journey serves its embedded site.")
    var directory: String?

    @Option(help: "The address to listen on.")
    var host = Self.defaults.listeners.main.host

    @Option(help: "The port to listen on (0 picks a free port and prints it).")
    var port = Self.defaults.listeners.main.port

    @Option(help: "The accept queue length (listen backlog).")
    var backlog = Self.defaults.accept.backlog

    @Option(help: "Event loop threads (default: the number of cores).")
    var threads: Int?

    @Option(help: "Accept model: shared (one socket) or reuseport (one socket per event loop).")
    var accept = Self.defaults.accept.model

    @Option(help: "The file served for a directory URL ('' for none).")
    var index = Self.fileDefaults.indexFile ?? ""

    @Flag(help: "List directories that have no index file.")
    var browse = Self.fileDefaults.listsDirectories

    @Option(help: "Dotfiles: deny (404) or allow.")
    var dotfiles: DotfilePolicy = Self.fileDefaults.servesDotfiles ? .allow : .deny

    @Flag(help: "Follow symlinks that lead outside the served folder.")
    var followSymlinks = Self.fileDefaults.followsSymlinks

    @Option(help: "A Cache-Control value for file responses.")
    var cacheControl: String?

    @Option(help: "Write an access log to PATH, or '-' for standard output.")
    var accessLog: String?

    @Option(help: "Access log format: combined (nginx's) or journey (JSON lines with stage timings).")
    var accessLogFormat = Self.defaults.observe.accessLogFormat

    @Flag(inversion: .prefixedNo, help: "Stamp each request's journey (--no-journey: no stamps, the cost baseline).")
    var journey = Self.defaults.observe.recordsJourney

    @Flag(
        inversion: .prefixedNo,
        help: "Answer plain GETs of hot small files from prepared bytes (--no-fast-path: all by the full path)."
    )
    var fastPath = Self.defaults.http1.takesFastPath

    @Flag(help: "Add a Server-Timing header with each request's stage durations.")
    var serverTiming = Self.defaults.observe.sendsServerTiming

    @Flag(help: "Serve Prometheus metrics at /metrics on the main listener.")
    var metrics = Self.defaults.observe.servesMetrics

    @Option(help: "A separate listener (HOST:PORT) for /metrics and the dashboard.")
    var admin: String?

    @Option(help: "Serve the Redis protocol (RESP2, an in-memory keyspace) on [HOST:]PORT beside HTTP.")
    var resp: String?

    @Flag(help: "Serve the live dashboard at /_journey/ to loopback clients (on by default without a folder).")
    var dashboard = false

    @Flag(help: "Serve the live dashboard to every client, not only loopback ones.")
    var dashboardPublic = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = Self.defaults.observe.logLevel

    @Option(help: "The largest request header section in bytes (431 beyond it).")
    var maxHeaderSize = Self.defaults.http1.limits.maximumHeaderSectionSize

    @Option(help: "The largest request body in bytes (413 beyond it).")
    var maxBodySize = Self.defaults.http1.limits.maximumBodySize

    @Option(help: "Seconds in-flight responses may take to finish after SIGTERM/SIGINT.")
    var drainTimeout = Self.defaults.accept.drainTimeout.seconds

    @Option(help: "The most connections open at once; beyond it accepting pauses (the kernel queues the rest).")
    var maxConnections: Int?

    @Option(help: "Seconds within which a whole request head must arrive (slowloris defence).")
    var headerTimeout = Self.defaults.timeouts.headerRead.seconds

    @Option(help: "Seconds a request body may pause between two pieces.")
    var bodyTimeout = Self.defaults.timeouts.bodyRead.seconds

    @Option(help: "Bytes per second a request body must average after a grace period (408 below; 0: off).")
    var minBodyRate = Self.defaults.timeouts.minimumBodyRate?.bytesPerSecond ?? 0

    @Option(help: "Seconds a connection answered early (413, 431, 400 …) is drained while the client stays quiet.")
    var lingeringTimeout = Self.defaults.timeouts.lingering.timeout.seconds

    @Option(help: "Seconds a connection answered early is drained at most before it is closed.")
    var lingeringTime = Self.defaults.timeouts.lingering.time.seconds

    @Option(help: "Seconds an idle keep-alive connection is kept open.")
    var keepaliveTimeout = Self.defaults.timeouts.keepAliveIdle.seconds

    @Option(help: "Seconds the send queue may stay full (a client that stops reading) before the connection is cut.")
    var writeTimeout = Self.defaults.timeouts.write.seconds

    @Option(help: "Serve a WebSocket echo at PATH (e.g. /ws).")
    var wsEcho: String?

    @Option(help: "Serve a WebSocket pub/sub hub at PATH (e.g. /pubsub); POST PATH/TOPIC publishes.")
    var wsPubsub: String?

    @Flag(help: "Leave a pub/sub publisher out of the fan-out of its own messages.")
    var wsPubsubExcludeSender = !Self.defaults.webSocket.pubSubIncludesSender

    @Option(
        help: ArgumentHelp(
            "Share pub/sub topics with other instances through Redis or Valkey.",
            discussion: "redis://[user:pass@]host:port[/db], rediss://… (TLS) or unix:///path/redis.sock",
            valueName: "url"
        )
    )
    var pubsubRedis: String?

    @Option(help: "Prefix of the pub/sub channels and keys in Redis, so deployments can share one.")
    var pubsubPrefix = Self.defaults.webSocket.pubSubPrefix

    @Option(
        help: ArgumentHelp("Keep about N messages per topic in Redis for subscribers that come back.", valueName: "n")
    )
    var pubsubHistory: Int?

    @Option(help: "This instance's name: the metrics' instance label (default: hostname:port).")
    var instanceId: String?

    @Flag(help: "Connections start with HAProxy's PROXY protocol header (v1 or v2) naming the client.")
    var proxyProtocol = Self.defaults.accept.proxyProtocol

    @Option(
        help: ArgumentHelp(
            "Believe the client address that these proxies give (PROXY header, Forwarded, X-Forwarded-For).",
            discussion: "Comma-separated addresses or networks; with --proxy-protocol the default is this machine.",
            valueName: "cidr,…"
        )
    )
    var trustedProxies: String?

    @Flag(help: "Reload browsers showing the folder when a file in it changes (adds a script to HTML).")
    var liveReload = Self.defaults.webSocket.liveReload

    @Option(help: "The largest WebSocket message (and frame) in bytes (close 1009 beyond it).")
    var wsMaxMessage = Self.defaults.webSocket.options.maximumMessageSize

    @Option(help: "Seconds between WebSocket pings (0: none).")
    var wsPingInterval = Self.defaults.webSocket.options.keepalive.pingInterval?.seconds ?? 0

    @Option(help: "Seconds a WebSocket peer has to answer a ping before it is disconnected.")
    var wsPongTimeout = Self.defaults.webSocket.options.keepalive.pongTimeout.seconds

    @Option(help: "WebSocket permessage-deflate: on (when the client offers it) or off.")
    var wsCompression: Toggle = Self.defaults.webSocket.options.compression == .off ? .off : .on

    @Option(help: "Bytes that may wait for a WebSocket peer before the slow-consumer policy applies.")
    var wsQueueLimit = Self.defaults.webSocket.options.outboundQueueLimit

    @Option(help: "A WebSocket peer whose queue is full: disconnect (close 1008) or drop (its messages).")
    var wsSlowConsumer = Self.defaults.webSocket.options.slowConsumerPolicy

    @Option(help: "Serve HTTPS with this certificate chain (PEM, leaf first); reloaded on SIGHUP and when it changes.")
    var tlsCert: String?

    @Option(help: "The private key (PEM) of --tls-cert.")
    var tlsKey: String?

    @Flag(help: "Serve HTTPS with the development certificate of `journey cert` (made now if missing).")
    var devTls = false

    @Option(help: "With TLS: a plain listener on [HOST:]PORT that redirects (308) every request to https.")
    var httpRedirect: String?

    @Flag(help: "Without TLS: also speak HTTP/2 to clients that start with its preface (h2c, prior knowledge).")
    var h2c = Self.defaults.http2.cleartext

    @Option(help: "HTTP/2: the most streams one connection may have open at once.")
    var h2MaxStreams = Self.defaults.http2.limits.maximumConcurrentStreams

    /// The configuration these flags describe.
    var configuration: Configuration {
        var configuration = Self.defaults
        configuration.listeners.main = ListenAddress(host: self.host, port: self.port)
        configuration.listeners.admin = self.admin.flatMap(ListenAddress.init)
        configuration.listeners.resp = self.resp.flatMap { Self.address($0, defaultHost: self.host) }
        configuration.listeners.redirect = self.httpRedirect.flatMap { Self.address($0, defaultHost: self.host) }
        configuration.accept.backlog = self.backlog
        if let threads = self.threads { configuration.accept.threads = threads }
        configuration.accept.model = self.accept
        configuration.accept.maximumConnections = self.maxConnections
        configuration.accept.drainTimeout = .nanoseconds(Int64(self.drainTimeout * 1e9))
        configuration.timeouts.headerRead = Self.amount(self.headerTimeout)
        configuration.timeouts.bodyRead = Self.amount(self.bodyTimeout)
        configuration.timeouts.keepAliveIdle = Self.amount(self.keepaliveTimeout)
        configuration.timeouts.write = Self.amount(self.writeTimeout)
        configuration.timeouts.minimumBodyRate =
            self.minBodyRate == 0 ? nil : MinimumDataRate(bytesPerSecond: self.minBodyRate)
        configuration.timeouts.lingering.timeout = Self.amount(self.lingeringTimeout)
        configuration.timeouts.lingering.time = Self.amount(self.lingeringTime)
        // One flag for both versions' limits: a request is as large, however it arrives.
        configuration.http1.limits.maximumHeaderSectionSize = self.maxHeaderSize
        configuration.http1.limits.maximumBodySize = self.maxBodySize
        configuration.http1.takesFastPath = self.fastPath
        configuration.http2.limits.maximumHeaderListSize = self.maxHeaderSize
        configuration.http2.limits.maximumBodySize = self.maxBodySize
        configuration.http2.limits.maximumConcurrentStreams = self.h2MaxStreams
        configuration.http2.takesFastPath = self.fastPath
        configuration.http2.cleartext = self.h2c
        if let certificate = self.tlsCert, let key = self.tlsKey {
            configuration.tls = TLSOptions(certificatePath: certificate, privateKeyPath: key)
        } else if self.devTls {
            let development = DevelopmentCertificate(folder: DevelopmentCertificate.defaultFolder)
            configuration.tls = TLSOptions(
                certificatePath: development.certificatePath,
                privateKeyPath: development.privateKeyPath
            )
        }
        configuration.staticFiles = self.directory.map { root in
            var files = Self.fileDefaults
            files.root = root
            files.indexFile = self.index.isEmpty ? nil : self.index
            files.listsDirectories = self.browse
            files.servesDotfiles = self.dotfiles == .allow
            files.followsSymlinks = self.followSymlinks
            files.cacheControl = self.cacheControl
            return files
        }
        configuration.webSocket.echoPath = self.wsEcho
        configuration.webSocket.pubSubPath = self.wsPubsub
        configuration.webSocket.pubSubIncludesSender = !self.wsPubsubExcludeSender
        configuration.webSocket.pubSubRedis = self.pubsubRedis.flatMap(RedisEndpoint.init(url:))
        configuration.webSocket.pubSubPrefix = self.pubsubPrefix
        configuration.webSocket.pubSubHistory = self.pubsubHistory
        configuration.observe.instanceID = self.instanceId
        configuration.accept.proxyProtocol = self.proxyProtocol
        if let trusted = self.trustedProxies {
            configuration.accept.trustedProxies = trusted.split(separator: ",").map { String($0.filter { $0 != " " }) }
        }
        configuration.webSocket.liveReload = self.liveReload
        configuration.webSocket.options.maximumFrameSize = self.wsMaxMessage
        configuration.webSocket.options.maximumMessageSize = self.wsMaxMessage
        configuration.webSocket.options.keepalive = WebSocketKeepalive(
            pingInterval: self.wsPingInterval > 0 ? .nanoseconds(Int64(self.wsPingInterval * 1e9)) : nil,
            pongTimeout: .nanoseconds(Int64(self.wsPongTimeout * 1e9))
        )
        if self.wsCompression == .off { configuration.webSocket.options.compression = .off }
        configuration.webSocket.options.outboundQueueLimit = self.wsQueueLimit
        configuration.webSocket.options.slowConsumerPolicy = self.wsSlowConsumer
        configuration.observe.recordsJourney = self.journey
        configuration.observe.sendsServerTiming = self.serverTiming
        configuration.observe.servesMetrics = self.metrics
        if self.dashboardPublic {
            configuration.observe.dashboard = .everyone
        } else if self.dashboard || self.directory == nil {
            configuration.observe.dashboard = .loopbackOnly
        }
        configuration.observe.accessLogPath = self.accessLog
        configuration.observe.accessLogFormat = self.accessLogFormat
        configuration.observe.logLevel = self.logLevel
        return configuration
    }

    /// `PORT` (on `defaultHost`) or `HOST:PORT`.
    private static func address(_ text: String, defaultHost: String) -> ListenAddress? {
        if let port = Int(text) {
            return (0...65535).contains(port) ? ListenAddress(host: defaultHost, port: port) : nil
        }
        return ListenAddress(text)
    }

    private static func amount(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64((seconds * 1_000_000_000).rounded()))
    }

    /// The flags each field of the tree comes from, to name them in `validate()`'s complaints.
    private static let flags: [String: String] = [
        "listeners.main": "--host/--port", "listeners.admin": "--admin", "listeners.redirect": "--http-redirect",
        "listeners.resp": "--resp", "accept.threads": "--threads", "accept.backlog": "--backlog",
        "accept.trustedProxies": "--trusted-proxies", "webSocket.pubSubHistory": "--pubsub-history",
        "webSocket.pubSubPrefix": "--pubsub-prefix", "observe.instanceID": "--instance-id",
        "accept.maximumConnections": "--max-connections", "accept.drainTimeout": "--drain-timeout",
        "timeouts.headerRead": "--header-timeout", "timeouts.bodyRead": "--body-timeout",
        "timeouts.keepAliveIdle": "--keepalive-timeout", "timeouts.write": "--write-timeout",
        "timeouts.minimumBodyRate": "--min-body-rate", "timeouts.lingering.timeout": "--lingering-timeout",
        "timeouts.lingering.time": "--lingering-time",
        "http1.limits.maximumHeaderSectionSize": "--max-header-size", "http1.limits.maximumBodySize": "--max-body-size",
        "http2.limits.maximumConcurrentStreams": "--h2-max-streams", "http2.cleartext": "--h2c",
        "webSocket.echoPath": "--ws-echo", "webSocket.pubSubPath": "--ws-pubsub",
        "webSocket.liveReload": "--live-reload", "webSocket.options.maximumMessageSize": "--ws-max-message",
        "webSocket.options.maximumFrameSize": "--ws-max-message",
        "webSocket.options.outboundQueueLimit": "--ws-queue-limit",
        "webSocket.options.keepalive.pongTimeout": "--ws-pong-timeout",
        "webSocket.options.keepalive.pingInterval": "--ws-ping-interval",
    ]

    func validate() throws {
        // What only the flags can get wrong: their spelling and their combinations.
        var problems: [String] = []
        for (name, value) in [
            ("--header-timeout", self.headerTimeout), ("--body-timeout", self.bodyTimeout),
            ("--keepalive-timeout", self.keepaliveTimeout), ("--write-timeout", self.writeTimeout),
            ("--lingering-timeout", self.lingeringTimeout), ("--lingering-time", self.lingeringTime),
            ("--drain-timeout", self.drainTimeout), ("--ws-ping-interval", self.wsPingInterval),
            ("--ws-pong-timeout", self.wsPongTimeout),
        ] where !(value >= 0 && value < 1_000_000) {
            problems.append("\(name) must be a number of seconds below 1000000")
        }
        if self.minBodyRate < 0 { problems.append("--min-body-rate must be 0 or more bytes per second") }
        if let url = self.pubsubRedis, RedisEndpoint(url: url) == nil {
            problems.append("--pubsub-redis must be redis://[user:pass@]host[:port][/db], rediss://… or unix:///path")
        }
        if let history = self.pubsubHistory, history < 1 { problems.append("--pubsub-history must be 1 or more") }
        if self.pubsubHistory != nil, self.pubsubRedis == nil {
            problems.append("--pubsub-history needs --pubsub-redis")
        }
        if let id = self.instanceId, id.isEmpty || id.contains(where: \.isNewline) || id.utf8.count > 128 {
            problems.append("--instance-id must be 1 to 128 characters on one line")
        }
        if let admin = self.admin, ListenAddress(admin) == nil { problems.append("--admin must be HOST:PORT") }
        if let resp = self.resp, Self.address(resp, defaultHost: self.host) == nil {
            problems.append("--resp must be PORT or HOST:PORT")
        }
        if let redirect = self.httpRedirect, Self.address(redirect, defaultHost: self.host) == nil {
            problems.append("--http-redirect must be PORT or HOST:PORT")
        }
        if (self.tlsCert == nil) != (self.tlsKey == nil) { problems.append("--tls-cert and --tls-key go together") }
        if self.devTls && self.tlsCert != nil { problems.append("--dev-tls or --tls-cert/--tls-key, not both") }
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "\n")) }
        // The rest is the library's: every problem of the tree, named by its flag.
        do {
            try self.configuration.validate()
        } catch {
            let lines = error.problems.map { problem in
                "\(Self.flags[problem.field] ?? problem.field): \(problem.message)"
            }
            throw ValidationError(lines.joined(separator: "\n"))
        }
    }
}

/// A feature turned on or off by name.
enum Toggle: String, ExpressibleByArgument, CaseIterable {
    case on
    case off
}

extension SlowConsumerPolicy: ExpressibleByArgument {}

/// Whether names starting with `.` are served.
enum DotfilePolicy: String, ExpressibleByArgument, CaseIterable {
    case deny
    case allow
}

extension AcceptModel: ExpressibleByArgument {}

extension Duration {
    /// The duration in seconds, as `--help` prints a default.
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension TimeAmount {
    /// The amount in seconds, as `--help` prints a default.
    fileprivate var seconds: Double { Double(self.nanoseconds) / 1e9 }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension AccessLogFormat: ExpressibleByArgument {
    /// `combined`, `journey`, or a template with `$variables` (nginx's `log_format`).
    public init?(argument: String) {
        self.init(argument)
    }
}
