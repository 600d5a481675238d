import HTTPTypes
import Journey
import Logging

/// The file's keys, one to one onto the `Configuration` tree: each key is the field's own name, so a complaint of
/// `Configuration.validate()` (`timeouts.headerRead: must be a positive time`) names the key to fix.
enum ConfigurationSchema {
    /// The top-level keys, in the tree's order.
    static var settings: [Setting<Configuration>] {
        [
            .section("listeners", \.listeners, Self.listeners),
            .section("accept", \.accept, Self.accept),
            .section("timeouts", \.timeouts, Self.timeouts),
            .section("http1", \.http1, Self.http1),
            .section("http2", \.http2, Self.http2),
            .optionalSection("tls", \.tls, seed: TLSOptions(certificatePath: "", privateKeyPath: ""), Self.tls),
            .optionalSection("staticFiles", \.staticFiles, seed: StaticFileOptions(root: ""), Self.staticFiles),
            .list("sites", \.sites, seed: Configuration.Site(hosts: []), Self.sites),
            .value("unknownHost", \.unknownHost, .cases),
            .optionalSection("compression", \.compression, seed: Configuration.Compression(), Self.compression),
            .section("webSocket", \.webSocket, Self.webSocket),
            .section("observe", \.observe, Self.observe),
        ]
    }

    private static var listeners: [Setting<Configuration.Listeners>] {
        [
            .value("main", \.main, .address),
            .value("admin", \.admin, SettingFormat.address.optional),
            .value("redirect", \.redirect, SettingFormat.address.optional),
            .value("resp", \.resp, SettingFormat.address.optional),
            .value("additional", \.additional, .list(of: .address)),
            .list(
                "unixSockets",
                \.unixSockets,
                seed: UnixSocketListener(path: ""),
                [
                    .value("path", \.path, .text),
                    .value("mode", \.mode, .permissions),
                    .value("owner", \.owner, SettingFormat.text.optional),
                ]
            ),
            .value("socketActivation", \.socketActivation, .flag),
        ]
    }

    private static var accept: [Setting<Configuration.Accept>] {
        [
            .value("threads", \.threads, .count),
            .value("backlog", \.backlog, .count),
            .value("model", \.model, .cases),
            .value("maximumConnections", \.maximumConnections, SettingFormat.count.optional),
            .value("drainTimeout", \.drainTimeout, .duration),
            .value("proxyProtocol", \.proxyProtocol, .flag),
            .value("trustedProxies", \.trustedProxies, .texts),
        ]
    }

    private static var timeouts: [Setting<ConnectionTimeouts>] {
        [
            .value("headerRead", \.headerRead, .timeAmount),
            .value("bodyRead", \.bodyRead, .timeAmount),
            .value("keepAliveIdle", \.keepAliveIdle, .timeAmount),
            .value("write", \.write, .timeAmount),
            .optionalSection(
                "minimumBodyRate",
                \.minimumBodyRate,
                seed: MinimumDataRate(),
                [
                    .value("bytesPerSecond", \.bytesPerSecond, .bytes),
                    .value("gracePeriod", \.gracePeriod, .timeAmount),
                ]
            ),
            .section(
                "lingering",
                \.lingering,
                [
                    .value("timeout", \.timeout, .timeAmount),
                    .value("time", \.time, .timeAmount),
                    .value("maximumDiscardedBytes", \.maximumDiscardedBytes, .bytes),
                ]
            ),
        ]
    }

    private static var http1: [Setting<Configuration.HTTP1>] {
        [
            .section(
                "limits",
                \.limits,
                [
                    .value("maximumRequestLineLength", \.maximumRequestLineLength, .bytes),
                    .value("maximumHeaderSectionSize", \.maximumHeaderSectionSize, .bytes),
                    .value("maximumBodySize", \.maximumBodySize, .bytes),
                ]
            ),
            .value("takesFastPath", \.takesFastPath, .flag),
        ]
    }

    private static var http2: [Setting<Configuration.HTTP2>] {
        [
            .value("cleartext", \.cleartext, .flag),
            .section(
                "limits",
                \.limits,
                [
                    .value("maximumConcurrentStreams", \.maximumConcurrentStreams, .count),
                    .value("maximumHeaderListSize", \.maximumHeaderListSize, .bytes),
                    .value("maximumBodySize", \.maximumBodySize, .bytes),
                    .value("maximumResetsPerWindow", \.maximumResetsPerWindow, .count),
                    .value("maximumControlFramesPerWindow", \.maximumControlFramesPerWindow, .count),
                    .value("abuseWindowSeconds", \.abuseWindowSeconds, .count),
                ]
            ),
            .value("takesFastPath", \.takesFastPath, .flag),
        ]
    }

    private static var tls: [Setting<TLSOptions>] {
        [
            .value("certificatePath", \.certificatePath, .text),
            .value("privateKeyPath", \.privateKeyPath, .text),
            .value("checkInterval", \.checkInterval, .duration),
            .value("handshakeTimeout", \.handshakeTimeout, .duration),
        ]
    }

    private static var staticFiles: [Setting<StaticFileOptions>] {
        [
            .value("root", \.root, .text),
            .value("indexFile", \.indexFile, SettingFormat.text.optional),
            .value("listsDirectories", \.listsDirectories, .flag),
            .value("servesDotfiles", \.servesDotfiles, .flag),
            .value("followsSymlinks", \.followsSymlinks, .flag),
            .value("cacheControl", \.cacheControl, SettingFormat.text.optional),
            .value("openFileCacheCapacity", \.openFileCacheCapacity, .count),
            .value("inMemoryLimit", \.inMemoryLimit, .bytes),
            .value("sendfileMinimum", \.sendfileMinimum, SettingFormat.bytes.optional),
        ]
    }

    private static var compression: [Setting<Configuration.Compression>] {
        [
            .value("codings", \.codings, .list(of: .cases)),
            .value("minimumSize", \.minimumSize, .bytes),
            .value("types", \.types, .texts),
            .value("cacheSize", \.cacheSize, .bytes),
            .value("maximumFileSize", \.maximumFileSize, .bytes),
            .value("gzipLevel", \.gzipLevel, .count),
            .value("brotliQuality", \.brotliQuality, .count),
            .value("zstdLevel", \.zstdLevel, .count),
        ]
    }

    private static var sites: [Setting<Configuration.Site>] {
        [
            .value("hosts", \.hosts, .texts),
            .value("isDefault", \.isDefault, .flag),
            .optionalSection("staticFiles", \.staticFiles, seed: StaticFileOptions(root: ""), Self.staticFiles),
            .optionalSection("tls", \.tls, seed: TLSOptions(certificatePath: "", privateKeyPath: ""), Self.tls),
            .list("rules", \.rules, seed: SiteRule(path: ""), Self.rules),
            .value("accessLogPath", \.accessLogPath, SettingFormat.text.optional),
            .value("accessLogFormat", \.accessLogFormat, SettingFormat.accessLogFormat.optional),
        ]
    }

    private static var rules: [Setting<SiteRule>] {
        [
            .value("path", \.path, .text),
            .optionalSection(
                "redirect",
                \.redirect,
                seed: SiteRule.Redirect(to: ""),
                [.value("to", \.to, .text), .value("status", \.status, .count)]
            ),
            .value("rewrite", \.rewrite, SettingFormat.text.optional),
            .value("tryFiles", \.tryFiles, .texts),
            .section(
                "headers",
                \.headers,
                [
                    .value("add", \.add, .map(keys: .text, of: .text)),
                    .value("set", \.set, .map(keys: .text, of: .text)),
                    .value("remove", \.remove, .texts),
                ]
            ),
            .value("allow", \.allow, .texts),
            .value("deny", \.deny, .texts),
            .optionalSection(
                "basicAuth",
                \.basicAuth,
                seed: SiteRule.BasicAuth(users: [:]),
                [.value("realm", \.realm, .text), .value("users", \.users, .map(keys: .text, of: .text))]
            ),
            .optionalSection(
                "rateLimit",
                \.rateLimit,
                seed: SiteRule.RateLimit(requestsPerSecond: 1),
                [
                    .value("requestsPerSecond", \.requestsPerSecond, .number),
                    .value("burst", \.burst, .count),
                    .value("nodelay", \.nodelay, .flag),
                ]
            ),
            .value("maximumBodySize", \.maximumBodySize, SettingFormat.bytes.optional),
            .value("listsDirectories", \.listsDirectories, SettingFormat.flag.optional),
            .optionalSection(
                "cors",
                \.cors,
                seed: CORSMiddleware(),
                [
                    .value("allowedOrigins", \.originNames, .texts),
                    .value("allowedMethods", \.methodNames, .texts),
                    .value("allowedHeaders", \.allowedHeaders, SettingFormat.texts.optional),
                    .value("exposedHeaders", \.exposedHeaders, .texts),
                    .value("allowsCredentials", \.allowsCredentials, .flag),
                    .value("maxAge", \.maxAge, SettingFormat.duration.optional),
                ]
            ),
            .value("errorPages", \.errorPages, .map(keys: .count, of: .text)),
        ]
    }

    private static var webSocket: [Setting<Configuration.WebSocket>] {
        [
            .section(
                "options",
                \.options,
                [
                    .value("maximumFrameSize", \.maximumFrameSize, .bytes),
                    .value("maximumMessageSize", \.maximumMessageSize, .bytes),
                    .section(
                        "keepalive",
                        \.keepalive,
                        [
                            .value("pingInterval", \.pingInterval, SettingFormat.duration.optional),
                            .value("pongTimeout", \.pongTimeout, .duration),
                        ]
                    ),
                    .section(
                        "compression",
                        \.self,
                        [
                            .value("enabled", \.compressionEnabled, .flag),
                            .value("windowBits", \.compressionWindowBits, SettingFormat.count.optional),
                            .value("noContextTakeover", \.compressionResetsContext, .flag),
                        ]
                    ),
                    .value("subprotocols", \.subprotocols, .texts),
                    .value("allowedOrigins", \.allowedOrigins, .texts),
                    .value("outboundQueueLimit", \.outboundQueueLimit, .bytes),
                    .value("slowConsumerPolicy", \.slowConsumerPolicy, .cases),
                ]
            ),
            .value("echoPath", \.echoPath, SettingFormat.text.optional),
            .value("pubSubPath", \.pubSubPath, SettingFormat.text.optional),
            .value("pubSubIncludesSender", \.pubSubIncludesSender, .flag),
            .value("pubSubRedis", \.pubSubRedis, SettingFormat.redisEndpoint.optional),
            .value("pubSubPrefix", \.pubSubPrefix, .text),
            .value("pubSubHistory", \.pubSubHistory, SettingFormat.count.optional),
            .value("liveReload", \.liveReload, .flag),
        ]
    }

    private static var observe: [Setting<Configuration.Observe>] {
        [
            .value("recordsJourney", \.recordsJourney, .flag),
            .value("sendsServerTiming", \.sendsServerTiming, .flag),
            .value("servesMetrics", \.servesMetrics, .flag),
            .value(
                "dashboard",
                \.dashboard,
                .choice([("off", .off), ("loopbackOnly", .loopbackOnly), ("everyone", .everyone)], equal: ==)
            ),
            .value("accessLogPath", \.accessLogPath, SettingFormat.text.optional),
            .value("accessLogFormat", \.accessLogFormat, .accessLogFormat),
            .value("logLevel", \.logLevel, .cases),
            .value("instanceID", \.instanceID, SettingFormat.text.optional),
        ]
    }
}

extension CORSMiddleware {
    /// The allowed origins as the file writes them: `["*"]` for any, else the origins.
    fileprivate var originNames: [String] {
        get {
            switch self.allowedOrigins {
            case .any: ["*"]
            case .only(let origins): origins.sorted()
            }
        }
        set { self.allowedOrigins = newValue.contains("*") ? .any : .only(Set(newValue)) }
    }

    /// The allowed methods by name (`GET`, `POST` …).
    fileprivate var methodNames: [String] {
        get { self.allowedMethods.map(\.rawValue) }
        set { self.allowedMethods = newValue.compactMap { HTTPRequest.Method($0.uppercased()) } }
    }
}

extension WebSocketOptions {
    /// permessage-deflate's switch, as the file writes it (`compression.enabled`).
    fileprivate var compressionEnabled: Bool {
        get { self.compression != .off }
        set {
            guard newValue != self.compressionEnabled else { return }
            self.compression = newValue ? .deflate() : .off
        }
    }

    /// The window cap of `WebSocketCompression.deflate` (`compression.windowBits`); nothing to set while it is off.
    fileprivate var compressionWindowBits: Int? {
        get {
            if case .deflate(let windowBits, _) = self.compression { return windowBits }
            return nil
        }
        set {
            guard case .deflate(_, let resets) = self.compression else { return }
            self.compression = .deflate(windowBits: newValue, noContextTakeover: resets)
        }
    }

    /// Whether each message starts a new deflate window (`compression.noContextTakeover`).
    fileprivate var compressionResetsContext: Bool {
        get {
            if case .deflate(_, let resets) = self.compression { return resets }
            return false
        }
        set {
            guard case .deflate(let windowBits, _) = self.compression else { return }
            self.compression = .deflate(windowBits: windowBits, noContextTakeover: newValue)
        }
    }
}
