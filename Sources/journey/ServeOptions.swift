import ArgumentParser
import Journey
import Logging

/// The flags of `journey serve`, each mapped 1:1 onto a `Configuration` field.
struct ServeOptions: ParsableArguments {
    @Argument(help: "The folder to serve. Without one, journey serves its embedded site.")
    var directory: String?

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free port and prints it).")
    var port = 8080

    @Option(help: "The accept queue length (listen backlog).")
    var backlog = 511

    @Option(help: "Event loop threads (default: the number of cores).")
    var threads: Int?

    @Option(help: "Accept model: shared (one socket) or reuseport (one socket per event loop).")
    var accept: AcceptModel = .shared

    @Option(help: "The file served for a directory URL.")
    var index = "index.html"

    @Flag(help: "List directories that have no index file.")
    var browse = false

    @Option(help: "Dotfiles: deny (404) or allow.")
    var dotfiles: DotfilePolicy = .deny

    @Flag(help: "Follow symlinks that lead outside the served folder.")
    var followSymlinks = false

    @Option(help: "A Cache-Control value for file responses.")
    var cacheControl: String?

    @Option(help: "Write an access log to PATH, or '-' for standard output.")
    var accessLog: String?

    @Option(help: "Access log format: combined (nginx's) or journey (JSON lines with stage timings).")
    var accessLogFormat: AccessLogFormat = .combined

    @Flag(inversion: .prefixedNo, help: "Stamp each request's journey (--no-journey: no stamps, the cost baseline).")
    var journey = true

    @Flag(
        inversion: .prefixedNo,
        help: "Answer plain GETs of hot small files straight from prepared bytes (--no-fast-path: all the whole way)."
    )
    var fastPath = true

    @Flag(help: "Add a Server-Timing header with each request's stage durations.")
    var serverTiming = false

    @Flag(help: "Serve Prometheus metrics at /metrics on the main listener.")
    var metrics = false

    @Option(help: "A separate listener (HOST:PORT) for /metrics and the dashboard.")
    var admin: String?

    @Option(help: "Serve the Redis protocol (RESP2, an in-memory keyspace) on [HOST:]PORT beside HTTP.")
    var resp: String?

    @Flag(help: "Serve the live dashboard at /_journey/ to loopback clients (on by default without a folder).")
    var dashboard = false

    @Flag(help: "Serve the live dashboard to every client, not only loopback ones.")
    var dashboardPublic = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "The largest request header section in bytes (431 beyond it).")
    var maxHeaderSize = 16 * 1024

    @Option(help: "The largest request body in bytes (413 beyond it).")
    var maxBodySize = 1024 * 1024

    @Option(help: "Seconds in-flight responses may take to finish after SIGTERM/SIGINT.")
    var drainTimeout = 10

    @Option(help: "The most connections open at once; beyond it accepting pauses (the kernel queues the rest).")
    var maxConnections: Int?

    @Option(help: "Seconds within which a whole request head must arrive (slowloris defence).")
    var headerTimeout = 10.0

    @Option(help: "Seconds a request body may pause between two pieces.")
    var bodyTimeout = 60.0

    @Option(help: "Bytes per second a request body must average after a 5-second grace period (408 below; 0: off).")
    var minBodyRate = 240

    @Option(help: "Seconds a connection answered early (413, 431, 400 …) is drained while the client stays quiet.")
    var lingeringTimeout = 5.0

    @Option(help: "Seconds a connection answered early is drained at most before it is closed.")
    var lingeringTime = 30.0

    @Option(help: "Seconds an idle keep-alive connection is kept open.")
    var keepaliveTimeout = 75.0

    @Option(help: "Seconds the send queue may stay full (a client that stops reading) before the connection is cut.")
    var writeTimeout = 60.0

    @Option(help: "Serve a WebSocket echo at PATH (e.g. /ws).")
    var wsEcho: String?

    @Option(help: "Serve a WebSocket pub/sub hub at PATH (e.g. /pubsub); POST PATH/TOPIC publishes.")
    var wsPubsub: String?

    @Flag(help: "Leave a pub/sub publisher out of the fan-out of its own messages.")
    var wsPubsubExcludeSender = false

    @Flag(help: "Reload browsers showing the folder when a file in it changes (adds a script to HTML).")
    var liveReload = false

    @Option(help: "The largest WebSocket message (and frame) in bytes (close 1009 beyond it).")
    var wsMaxMessage = 16 << 20

    @Option(help: "Seconds between WebSocket pings (0: none).")
    var wsPingInterval = 30.0

    @Option(help: "Seconds a WebSocket peer has to answer a ping before it is disconnected.")
    var wsPongTimeout = 30.0

    @Option(help: "WebSocket permessage-deflate: on (when the client offers it) or off.")
    var wsCompression: Switch = .on

    @Option(help: "Bytes that may wait for a WebSocket peer before the slow-consumer policy applies.")
    var wsQueueLimit = 1 << 20

    @Option(help: "A WebSocket peer whose queue is full: disconnect (close 1008) or drop (its messages).")
    var wsSlowConsumer: SlowConsumerPolicy = .disconnect

    @Option(help: "Serve HTTPS with this certificate chain (PEM, leaf first); reloaded on SIGHUP and when it changes.")
    var tlsCert: String?

    @Option(help: "The private key (PEM) of --tls-cert.")
    var tlsKey: String?

    @Flag(help: "Serve HTTPS with the development certificate of `journey cert` (made now if missing).")
    var devTls = false

    @Option(help: "With TLS: a plain listener on [HOST:]PORT that redirects (308) every request to https.")
    var httpRedirect: String?

    @Flag(help: "Without TLS: also speak HTTP/2 to clients that start with its preface (h2c, prior knowledge).")
    var h2c = false

    @Option(help: "HTTP/2: the most streams one connection may have open at once.")
    var h2MaxStreams = 100

    /// The configuration these flags describe.
    var configuration: Configuration {
        var configuration = Configuration()
        configuration.root = self.directory
        configuration.host = self.host
        configuration.port = self.port
        configuration.backlog = self.backlog
        if let threads = self.threads { configuration.threads = threads }
        configuration.acceptModel = self.accept
        configuration.indexFile = self.index
        configuration.listsDirectories = self.browse
        configuration.servesDotfiles = self.dotfiles == .allow
        configuration.followsSymlinks = self.followSymlinks
        configuration.cacheControl = self.cacheControl
        configuration.accessLogPath = self.accessLog
        configuration.accessLogFormat = self.accessLogFormat
        configuration.recordsJourney = self.journey
        configuration.takesFastPath = self.fastPath
        configuration.sendsServerTiming = self.serverTiming
        configuration.servesMetrics = self.metrics
        configuration.admin = self.admin.flatMap(ListenAddress.init)
        configuration.resp = self.resp.flatMap { Self.address($0, defaultHost: self.host) }
        if self.dashboardPublic {
            configuration.dashboard = .everyone
        } else if self.dashboard || self.directory == nil {
            configuration.dashboard = .loopbackOnly
        }
        configuration.logLevel = self.logLevel
        configuration.limits.maximumHeaderSectionSize = self.maxHeaderSize
        configuration.limits.maximumBodySize = self.maxBodySize
        configuration.drainTimeout = .seconds(self.drainTimeout)
        configuration.maximumConnections = self.maxConnections
        configuration.webSocketEchoPath = self.wsEcho
        configuration.pubSubPath = self.wsPubsub
        configuration.liveReload = self.liveReload
        configuration.pubSubIncludesSender = !self.wsPubsubExcludeSender
        configuration.webSocket.maximumFrameSize = self.wsMaxMessage
        configuration.webSocket.maximumMessageSize = self.wsMaxMessage
        configuration.webSocket.keepalive = WebSocketKeepalive(
            pingInterval: self.wsPingInterval > 0 ? .nanoseconds(Int64(self.wsPingInterval * 1e9)) : nil,
            pongTimeout: .nanoseconds(Int64(self.wsPongTimeout * 1e9))
        )
        configuration.webSocket.compression = self.wsCompression == .on ? .deflate() : .off
        configuration.webSocket.outboundQueueLimit = self.wsQueueLimit
        configuration.webSocket.slowConsumerPolicy = self.wsSlowConsumer
        if let certificate = self.tlsCert, let key = self.tlsKey {
            configuration.tls = TLSOptions(certificatePath: certificate, privateKeyPath: key)
        } else if self.devTls {
            let development = DevelopmentCertificate(folder: DevelopmentCertificate.defaultFolder)
            configuration.tls = TLSOptions(
                certificatePath: development.certificatePath,
                privateKeyPath: development.privateKeyPath
            )
        }
        configuration.tls?.redirect = self.httpRedirect.flatMap { Self.address($0, defaultHost: self.host) }
        configuration.servesCleartextHTTP2 = self.h2c
        configuration.http2.maximumConcurrentStreams = self.h2MaxStreams
        configuration.http2.maximumHeaderListSize = self.maxHeaderSize
        configuration.timeouts = ConnectionTimeouts(
            headerRead: Self.amount(self.headerTimeout),
            bodyRead: Self.amount(self.bodyTimeout),
            keepAliveIdle: Self.amount(self.keepaliveTimeout),
            write: Self.amount(self.writeTimeout),
            minimumBodyRate: self.minBodyRate > 0 ? MinimumDataRate(bytesPerSecond: self.minBodyRate) : nil,
            lingering: LingeringClose(
                timeout: Self.amount(self.lingeringTimeout),
                time: Self.amount(self.lingeringTime)
            )
        )
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
        .nanoseconds(Int64(seconds * 1_000_000_000))
    }

    func validate() throws {
        for (name, value) in [
            ("--header-timeout", self.headerTimeout), ("--body-timeout", self.bodyTimeout),
            ("--keepalive-timeout", self.keepaliveTimeout), ("--write-timeout", self.writeTimeout),
            ("--lingering-timeout", self.lingeringTimeout), ("--lingering-time", self.lingeringTime),
        ] where !(value > 0 && value < 1_000_000) {
            throw ValidationError("\(name) must be a positive number of seconds")
        }
        guard self.minBodyRate >= 0 else { throw ValidationError("--min-body-rate must be 0 or more bytes per second") }
        guard (0...65535).contains(self.port) else { throw ValidationError("--port must be 0...65535") }
        guard self.threads.map({ $0 >= 1 }) ?? true else { throw ValidationError("--threads must be at least 1") }
        guard self.maxConnections.map({ $0 >= 1 }) ?? true else {
            throw ValidationError("--max-connections must be at least 1")
        }
        guard self.backlog >= 1 else { throw ValidationError("--backlog must be at least 1") }
        for (name, path) in [("--ws-echo", self.wsEcho), ("--ws-pubsub", self.wsPubsub)] {
            if let path, !path.hasPrefix("/") { throw ValidationError("\(name) must be a path starting with /") }
        }
        if self.liveReload && self.directory == nil {
            throw ValidationError("--live-reload watches a folder: name one (journey serve DIR --live-reload)")
        }
        guard self.wsMaxMessage >= 125, self.wsMaxMessage <= Int(UInt32.max) else {
            throw ValidationError("--ws-max-message must be 125 bytes to 4 GiB")
        }
        guard self.wsPingInterval >= 0, self.wsPongTimeout > 0, self.wsQueueLimit > 0 else {
            throw ValidationError("--ws-ping-interval, --ws-pong-timeout and --ws-queue-limit must be positive")
        }
        if let admin = self.admin, ListenAddress(admin) == nil {
            throw ValidationError("--admin must be HOST:PORT")
        }
        if let resp = self.resp, Self.address(resp, defaultHost: self.host) == nil {
            throw ValidationError("--resp must be PORT or HOST:PORT")
        }
        if (self.tlsCert == nil) != (self.tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if self.devTls && self.tlsCert != nil {
            throw ValidationError("--dev-tls or --tls-cert/--tls-key, not both")
        }
        let tls = self.devTls || self.tlsCert != nil
        if let redirect = self.httpRedirect {
            guard tls else {
                throw ValidationError("--http-redirect sends clients to HTTPS: it needs --tls-cert or --dev-tls")
            }
            guard Self.address(redirect, defaultHost: self.host) != nil else {
                throw ValidationError("--http-redirect must be PORT or HOST:PORT")
            }
        }
        if self.h2c && tls {
            throw ValidationError("--h2c is HTTP/2 in the clear; over TLS, HTTP/2 is offered by ALPN already")
        }
        guard (1...10000).contains(self.h2MaxStreams) else {
            throw ValidationError("--h2-max-streams must be 1...10000")
        }
    }
}

/// A feature turned on or off by name.
enum Switch: String, ExpressibleByArgument, CaseIterable {
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

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension AccessLogFormat: ExpressibleByArgument {}
