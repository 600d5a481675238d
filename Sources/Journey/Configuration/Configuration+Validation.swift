import JourneyConnection
import JourneyCore
import NIOCore

extension Configuration {
    /// Checks the whole tree and throws every problem at once (`InvalidConfiguration`), so a wrong configuration is
    /// fixed in one go rather than one complaint per run. `Server.start()` calls it; `journey serve` does before it
    /// starts, naming the flags.
    public func validate() throws(InvalidConfiguration) {
        var problems: [InvalidConfiguration.Problem] = []
        func check(_ condition: Bool, _ field: String, _ message: String) {
            if !condition { problems.append(.init(field: field, message: message)) }
        }
        let listeners: [(String, ListenAddress?)] = [
            ("listeners.main", self.listeners.main), ("listeners.admin", self.listeners.admin),
            ("listeners.redirect", self.listeners.redirect), ("listeners.resp", self.listeners.resp),
        ]
        for case (let field, let address?) in listeners {
            check((0...65535).contains(address.port), field, "the port must be 0...65535")
            check(!address.host.isEmpty, field, "the host must not be empty")
        }
        for (index, address) in self.listeners.additional.enumerated() {
            check((0...65535).contains(address.port), "listeners.additional[\(index)]", "the port must be 0...65535")
            check(!address.host.isEmpty, "listeners.additional[\(index)]", "the host must not be empty")
        }
        for (index, socket) in self.listeners.unixSockets.enumerated() {
            let field = "listeners.unixSockets[\(index)]"
            check(
                socket.path.hasPrefix("/") && socket.path.utf8.count < 108,
                "\(field).path",
                "must be an absolute path under 108 bytes"
            )
            check((0...0o777).contains(socket.mode), "\(field).mode", "must be permission bits, 0...0o777")
            check(socket.owner.map { !$0.isEmpty } ?? true, "\(field).owner", "must be user or user:group")
        }
        check(self.listeners.redirect == nil || self.tls != nil, "listeners.redirect", "redirects to https: needs tls")

        check(self.accept.threads >= 1, "accept.threads", "must be at least 1")
        check(self.accept.backlog >= 1, "accept.backlog", "must be at least 1")
        check(self.accept.maximumConnections.map { $0 >= 1 } ?? true, "accept.maximumConnections", "must be at least 1")
        check(self.accept.drainTimeout >= .zero, "accept.drainTimeout", "must not be negative")

        let timeouts: [(String, TimeAmount)] = [
            ("timeouts.headerRead", self.timeouts.headerRead), ("timeouts.bodyRead", self.timeouts.bodyRead),
            ("timeouts.keepAliveIdle", self.timeouts.keepAliveIdle), ("timeouts.write", self.timeouts.write),
            ("timeouts.lingering.timeout", self.timeouts.lingering.timeout),
            ("timeouts.lingering.time", self.timeouts.lingering.time),
        ]
        for (field, amount) in timeouts { check(amount > .zero, field, "must be a positive time") }
        if let rate = self.timeouts.minimumBodyRate {
            check(rate.bytesPerSecond >= 1, "timeouts.minimumBodyRate", "must be at least 1 byte a second (nil: off)")
            check(rate.gracePeriod >= .zero, "timeouts.minimumBodyRate.gracePeriod", "must not be negative")
        }
        check(
            self.timeouts.lingering.maximumDiscardedBytes >= 0,
            "timeouts.lingering.maximumDiscardedBytes",
            "must not be negative"
        )

        check(self.http1.limits.maximumBodySize >= 0, "http1.limits.maximumBodySize", "must not be negative")
        check(self.http1.limits.maximumHeaderSectionSize >= 1, "http1.limits.maximumHeaderSectionSize", "must be >= 1")
        check(
            self.http1.limits.maximumRequestLineLength >= 16,
            "http1.limits.maximumRequestLineLength",
            "must be >= 16"
        )
        check(
            (1...10000).contains(self.http2.limits.maximumConcurrentStreams),
            "http2.limits.maximumConcurrentStreams",
            "must be 1...10000"
        )
        check(self.http2.limits.maximumBodySize >= 0, "http2.limits.maximumBodySize", "must not be negative")
        check(!(self.http2.cleartext && self.tls != nil), "http2.cleartext", "over TLS, ALPN offers HTTP/2 already")

        if let tls = self.tls {
            check(!tls.certificatePath.isEmpty && !tls.privateKeyPath.isEmpty, "tls", "needs a certificate and a key")
            check(tls.handshakeTimeout > .zero, "tls.handshakeTimeout", "must be a positive time")
            check(tls.checkInterval > .zero, "tls.checkInterval", "must be a positive time")
        }

        for (field, path) in [
            ("webSocket.echoPath", self.webSocket.echoPath), ("webSocket.pubSubPath", self.webSocket.pubSubPath),
        ] {
            if let path { check(path.hasPrefix("/"), field, "must be a path starting with /") }
        }
        check(
            !self.webSocket.liveReload || self.staticFiles != nil,
            "webSocket.liveReload",
            "watches a folder: needs staticFiles"
        )
        let options = self.webSocket.options
        check(
            options.maximumMessageSize >= 125 && options.maximumMessageSize <= Int(UInt32.max),
            "webSocket.options.maximumMessageSize",
            "must be 125 bytes to 4 GiB"
        )
        check(options.maximumFrameSize >= 125, "webSocket.options.maximumFrameSize", "must be at least 125 bytes")
        if case .deflate(let windowBits?, _) = options.compression {
            check((8...15).contains(windowBits), "webSocket.options.compression.windowBits", "must be 8...15")
        }
        check(options.outboundQueueLimit > 0, "webSocket.options.outboundQueueLimit", "must be positive")
        check(options.keepalive.pongTimeout > .zero, "webSocket.options.keepalive.pongTimeout", "must be positive")
        check(
            options.keepalive.pingInterval.map { $0 > .zero } ?? true,
            "webSocket.options.keepalive.pingInterval",
            "must be positive (nil: no pings)"
        )
        if let staticFiles = self.staticFiles {
            check(!staticFiles.root.isEmpty, "staticFiles.root", "must name a folder")
        }
        check(
            self.sites.isEmpty || self.staticFiles == nil,
            "staticFiles",
            "with sites, each site names its own folder"
        )
        check(self.sites.filter(\.isDefault).count <= 1, "sites", "at most one site is the default")
        var named: Set<String> = []
        for (index, site) in self.sites.enumerated() {
            let field = "sites[\(index)]"
            check(!site.hosts.isEmpty || site.isDefault, "\(field).hosts", "names no host (and is not the default)")
            for host in site.hosts {
                if HostPattern(host) != nil {
                    check(
                        named.insert(host.lowercased()).inserted,
                        "\(field).hosts",
                        "\(host) is named by an earlier site"
                    )
                } else {
                    check(false, "\(field).hosts", "\(host) is not a host name, *.domain or .domain")
                }
            }
            if let staticFiles = site.staticFiles {
                check(!staticFiles.root.isEmpty, "\(field).staticFiles.root", "must name a folder")
            }
            for (number, rule) in site.rules.enumerated() {
                for (key, message) in CompiledRule.problems(of: rule) {
                    check(false, "\(field).rules[\(number)].\(key)", message)
                }
            }
            if let siteTLS = site.tls {
                check(self.tls != nil, "\(field).tls", "needs tls on the listener (the certificate for other names)")
                check(
                    !siteTLS.certificatePath.isEmpty && !siteTLS.privateKeyPath.isEmpty,
                    "\(field).tls",
                    "needs a certificate and a key"
                )
            }
        }
        if let compression = self.compression {
            check(!compression.codings.isEmpty, "compression.codings", "names no coding (null turns compression off)")
            check(compression.minimumSize >= 0, "compression.minimumSize", "must not be negative")
            check(compression.cacheSize >= 0, "compression.cacheSize", "must not be negative")
            check(compression.maximumFileSize >= 0, "compression.maximumFileSize", "must not be negative")
            check((1...9).contains(compression.gzipLevel), "compression.gzipLevel", "must be 1...9")
            check((0...11).contains(compression.brotliQuality), "compression.brotliQuality", "must be 0...11")
            check((1...19).contains(compression.zstdLevel), "compression.zstdLevel", "must be 1...19")
            for type in compression.types where !type.contains("/") {
                check(false, "compression.types", "\(type) is not a media type (type/subtype or type/*)")
            }
        }
        for network in self.accept.trustedProxies where NetworkRange(network) == nil {
            check(false, "accept.trustedProxies", "\(network) is not an address or a network (10.0.0.0/8, ::1)")
        }
        if let history = self.webSocket.pubSubHistory {
            check(history >= 1, "webSocket.pubSubHistory", "must be 1 or more")
            check(self.webSocket.pubSubRedis != nil, "webSocket.pubSubHistory", "needs webSocket.pubSubRedis")
        }
        check(
            !self.webSocket.pubSubPrefix.contains(where: \.isNewline),
            "webSocket.pubSubPrefix",
            "must be on one line"
        )
        if let id = self.observe.instanceID {
            check(
                !id.isEmpty && id.utf8.count <= 128 && !id.contains(where: \.isNewline),
                "observe.instanceID",
                "must be 1 to 128 characters on one line"
            )
        }
        guard problems.isEmpty else { throw InvalidConfiguration(problems: problems) }
    }
}

/// Every problem `Configuration.validate()` found, each with the field it is about.
public struct InvalidConfiguration: Error, CustomStringConvertible {
    /// One field's problem.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The field's path in the tree, e.g. `timeouts.headerRead`.
        public var field: String
        /// What is wrong with it.
        public var message: String

        /// `field: message`.
        public var description: String { "\(self.field): \(self.message)" }
    }

    /// The problems, in the tree's order.
    public var problems: [Problem]

    /// One problem a line.
    public var description: String {
        "invalid configuration:\n" + self.problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
