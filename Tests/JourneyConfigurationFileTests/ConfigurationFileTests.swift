import Journey
import JourneyConfigurationFile
import Testing

/// The configuration file: its keys onto the tree, its problems with their lines, the environment over it, and
/// the printed form that reads back as what it printed.
struct ConfigurationFileTests {
    @Test func anEmptyFileIsTheDefaults() throws {
        let configuration = try ConfigurationFile.parse("", source: "empty.yaml")
        let text = ConfigurationFile.text(of: configuration)
        #expect(text == ConfigurationFile.text(of: Configuration()))
        #expect(text.contains("backlog: 511"))
    }

    @Test func everyKindOfValueReachesItsField() throws {
        let configuration = try ConfigurationFile.parse(
            """
            listeners:
              main: "[::1]:8443"
              admin: 127.0.0.1:9090
            accept:
              backlog: 1024
              model: reuseport
              maximumConnections: 5000
              drainTimeout: 1.5m
            timeouts:
              headerRead: 500ms
              minimumBodyRate: null
              lingering: {timeout: 2s, maximumDiscardedBytes: 1m}
            http1:
              limits: {maximumBodySize: 64k}
            staticFiles:
              root: /srv/www
              indexFile: null
              listsDirectories: yes
              cacheControl: "max-age=60"
            webSocket:
              options:
                keepalive: {pingInterval: null}
                compression: {windowBits: 12, noContextTakeover: true}
                allowedOrigins: [https://example.com, https://www.example.com]
                slowConsumerPolicy: drop
              echoPath: /ws
            observe:
              dashboard: loopbackOnly
              accessLogFormat: journey
              logLevel: debug
            """,
            source: "site.yaml"
        )
        #expect(configuration.listeners.main == ListenAddress(host: "::1", port: 8443))
        #expect(configuration.listeners.admin == ListenAddress(host: "127.0.0.1", port: 9090))
        #expect(configuration.listeners.resp == nil)
        #expect(configuration.accept.backlog == 1024)
        #expect(configuration.accept.model == .reuseport)
        #expect(configuration.accept.maximumConnections == 5000)
        #expect(configuration.accept.drainTimeout == .seconds(90))
        #expect(configuration.timeouts.headerRead == .milliseconds(500))
        #expect(configuration.timeouts.minimumBodyRate == nil)
        #expect(configuration.timeouts.lingering.timeout == .seconds(2))
        #expect(configuration.timeouts.lingering.maximumDiscardedBytes == 1 << 20)
        #expect(configuration.timeouts.lingering.time == Configuration().timeouts.lingering.time)
        #expect(configuration.http1.limits.maximumBodySize == 64 * 1024)
        let files = try #require(configuration.staticFiles)
        #expect(files.root == "/srv/www")
        #expect(files.indexFile == nil)
        #expect(files.listsDirectories)
        #expect(files.cacheControl == "max-age=60")
        #expect(files.openFileCacheCapacity == StaticFileOptions(root: "").openFileCacheCapacity)
        let options = configuration.webSocket.options
        #expect(options.keepalive.pingInterval == nil)
        #expect(options.compression == .deflate(windowBits: 12, noContextTakeover: true))
        #expect(options.allowedOrigins == ["https://example.com", "https://www.example.com"])
        #expect(options.slowConsumerPolicy == .drop)
        #expect(configuration.webSocket.echoPath == "/ws")
        #expect(configuration.observe.dashboard == .loopbackOnly)
        #expect(configuration.observe.accessLogFormat == .journey)
        #expect(configuration.observe.logLevel == .debug)
    }

    @Test func everyProblemIsReportedAtOnceWithItsLineAndKey() throws {
        let error = try #require(throws: ConfigurationFileError.self) {
            try ConfigurationFile.parse(
                """
                listeners:
                  main: 8080
                  admn: 127.0.0.1:9090
                accept:
                  backlog: lots
                timeouts:
                  headerRead: 10 minutes
                webSocket: yes
                """,
                source: "site.yaml"
            )
        }
        #expect(
            error.problems.map(\.description) == [
                "site.yaml:2:9: listeners.main: expected HOST:PORT, such as 127.0.0.1:8080 or [::1]:8080",
                "site.yaml:3:3: listeners.admn: unknown key 'admn' (known here: main, admin, redirect, resp, additional, "
                    + "unixSockets, socketActivation)",
                "site.yaml:5:12: accept.backlog: expected a whole number",
                "site.yaml:7:15: timeouts.headerRead: expected a duration such as 30s, 500ms or 2m",
                "site.yaml:8:12: webSocket: expected a section of keys (options, echoPath, pubSubPath, "
                    + "pubSubIncludesSender, pubSubRedis, pubSubPrefix, pubSubHistory, liveReload)",
            ]
        )
    }

    @Test func theTreesOwnChecksPointAtTheLineThatSetTheKey() throws {
        let error = try #require(throws: ConfigurationFileError.self) {
            try ConfigurationFile.parse(
                """
                accept:
                  threads: 0
                listeners:
                  redirect: 127.0.0.1:8081
                webSocket:
                  echoPath: ws
                """,
                source: "site.yaml"
            )
        }
        #expect(
            error.problems.map(\.description) == [
                "site.yaml:4:3: listeners.redirect: redirects to https: needs tls",
                "site.yaml:2:3: accept.threads: must be at least 1",
                "site.yaml:6:3: webSocket.echoPath: must be a path starting with /",
            ]
        )
    }

    @Test func yamlThatDoesNotParseIsReportedAtItsLine() throws {
        let syntax = try #require(throws: ConfigurationFileError.self) {
            try ConfigurationFile.parse("accept:\n  backlog: [1,\n", source: "site.yaml")
        }
        #expect(syntax.problems.count == 1)
        #expect(syntax.problems[0].place.hasPrefix("site.yaml:3:"))
        let twice = try #require(throws: ConfigurationFileError.self) {
            try ConfigurationFile.parse("accept:\n  backlog: 1\n  backlog: 2\n", source: "site.yaml")
        }
        #expect(twice.problems.map(\.description) == ["site.yaml:2:3: set twice: 'backlog'"])
    }

    @Test func environmentVariablesOverrideTheFilesKeys() throws {
        let configuration = try ConfigurationFile.parse(
            "accept:\n  backlog: 100\nstaticFiles:\n  root: /srv/www\n",
            source: "site.yaml",
            environment: [
                "JOURNEY_ACCEPT_BACKLOG": "200",
                "JOURNEY_TIMEOUTS_HEADER_READ": "3s",
                "JOURNEY_LISTENERS_ADMIN": "0.0.0.0:9090",
                "JOURNEY_WEB_SOCKET_OPTIONS_ALLOWED_ORIGINS": "[https://a.example]",
                "JOURNEY_PORT": "not a key: ignored",
            ]
        )
        #expect(configuration.accept.backlog == 200)
        #expect(configuration.timeouts.headerRead == .seconds(3))
        #expect(configuration.listeners.admin == ListenAddress(host: "0.0.0.0", port: 9090))
        #expect(configuration.webSocket.options.allowedOrigins == ["https://a.example"])
        #expect(configuration.staticFiles?.root == "/srv/www")

        let error = try #require(throws: ConfigurationFileError.self) {
            try ConfigurationFile.parse(
                "accept:\n  backlog: 100\n",
                source: "site.yaml",
                environment: ["JOURNEY_ACCEPT_BACKLOG": "many", "JOURNEY_ACCEPT_THREADS": "0"]
            )
        }
        #expect(
            error.problems.map(\.description) == [
                "JOURNEY_ACCEPT_BACKLOG: accept.backlog: expected a whole number",
                "JOURNEY_ACCEPT_THREADS: accept.threads: must be at least 1",
            ]
        )
    }

    @Test func everyKeyHasAnEnvironmentVariable() {
        let variables = Dictionary(uniqueKeysWithValues: ConfigurationFile.environmentVariables)
        #expect(variables["timeouts.headerRead"] == "JOURNEY_TIMEOUTS_HEADER_READ")
        #expect(variables["http2.limits.maximumConcurrentStreams"] == "JOURNEY_HTTP2_LIMITS_MAXIMUM_CONCURRENT_STREAMS")
        #expect(
            variables["webSocket.options.keepalive.pingInterval"]
                == "JOURNEY_WEB_SOCKET_OPTIONS_KEEPALIVE_PING_INTERVAL"
        )
        #expect(variables["tls.certificatePath"] == "JOURNEY_TLS_CERTIFICATE_PATH")
        // One key, one variable.
        #expect(Set(variables.values).count == variables.count)
    }

    @Test func thePrintedConfigurationReadsBackAsItself() throws {
        var configuration = Configuration()
        configuration.listeners.main = ListenAddress(host: "::", port: 443)
        configuration.tls = TLSOptions(certificatePath: "/etc/journey/cert.pem", privateKeyPath: "/etc/journey/key.pem")
        configuration.timeouts.write = .milliseconds(2500)
        configuration.http1.limits.maximumBodySize = 10 << 20
        var files = StaticFileOptions(root: "/srv/www")
        files.cacheControl = "no-cache"
        files.indexFile = "on"
        configuration.staticFiles = files
        configuration.webSocket.options.compression = .off
        configuration.webSocket.options.subprotocols = ["chat", "true"]
        configuration.observe.dashboard = .off
        configuration.observe.accessLogPath = "-"
        let text = ConfigurationFile.text(of: configuration)
        #expect(text.contains("maximumBodySize: 10MiB"))
        #expect(text.contains("write: 2500ms"))
        let read = try ConfigurationFile.parse(text, source: "printed.yaml")
        #expect(ConfigurationFile.text(of: read) == text)
        #expect(read.listeners.main == configuration.listeners.main)
        #expect(read.tls == configuration.tls)
        #expect(read.staticFiles?.indexFile == "on")
        #expect(read.webSocket.options.compression == .off)
        #expect(read.webSocket.options.subprotocols == ["chat", "true"])
        #expect(read.observe.dashboard == .off)
        #expect(read.observe.accessLogPath == "-")
        #expect(read.timeouts.write == .milliseconds(2500))
    }

    @Test(arguments: [
        ("30s", Duration.seconds(30)), ("500ms", .milliseconds(500)), ("2m", .seconds(120)), ("1.5h", .seconds(5400)),
        ("1d", .seconds(86400)), ("10", .seconds(10)), ("0.25", .milliseconds(250)),
    ])
    func durationsAreWrittenAsNginxWritesThem(text: String, duration: Duration) throws {
        let configuration = try ConfigurationFile.parse("accept:\n  drainTimeout: \(text)\n", source: "t")
        #expect(configuration.accept.drainTimeout == duration)
    }

    @Test(arguments: ["-1s", "5 s", "1w", "s", "", "1e400"])
    func aDurationThatIsNotOneIsAProblem(text: String) {
        #expect(throws: ConfigurationFileError.self) {
            try ConfigurationFile.parse("accept:\n  drainTimeout: \"\(text)\"\n", source: "t")
        }
    }

    @Test(arguments: [
        ("65536", 65536), ("64k", 65536), ("64K", 65536), ("64KiB", 65536), ("1m", 1 << 20), ("2MiB", 2 << 20),
        ("1g", 1 << 30), ("0", 0),
    ])
    func sizesAreWrittenAsNginxWritesThem(text: String, bytes: Int) throws {
        let configuration = try ConfigurationFile.parse(
            "http1:\n  limits:\n    maximumBodySize: \(text)\n",
            source: "t"
        )
        #expect(configuration.http1.limits.maximumBodySize == bytes)
    }

    @Test(arguments: ["-1", "1.5k", "10 MB", "10MB", "k", "99999999999999999g"])
    func aSizeThatIsNotOneIsAProblem(text: String) {
        #expect(throws: ConfigurationFileError.self) {
            try ConfigurationFile.parse("http1:\n  limits:\n    maximumBodySize: \(text)\n", source: "t")
        }
    }

    @Test func sitesAndTheirRulesReadFromTheFile() throws {
        let configuration = try ConfigurationFile.parse(
            """
            tls: {certificatePath: /etc/journey/default.pem, privateKeyPath: /etc/journey/default.key}
            sites:
              - hosts: [example.com, www.example.com]
                staticFiles: {root: /srv/example}
                tls: {certificatePath: /etc/journey/example.pem, privateKeyPath: /etc/journey/example.key}
                rules:
                  - path: /
                    headers:
                      set: {Strict-Transport-Security: max-age=63072000}
                      remove: [Server]
                  - path: "~ ^/blog/([0-9]+)$"
                    redirect: {to: /posts/$1, status: 308}
                  - path: /admin/
                    basicAuth: {realm: Admin, users: {ada: "$2b$05$abc"}}
                    allow: [10.0.0.0/8]
                    rateLimit: {requestsPerSecond: 0.5, burst: 5, nodelay: true}
                    maximumBodySize: 1m
                    errorPages: {401: /errors/401.html}
                  - path: /app/
                    tryFiles: [$path, /app/index.html]
                    listsDirectories: true
                    cors: {allowedOrigins: ["https://a.example"], allowedMethods: [GET, post], maxAge: 1m}
              - hosts: [example.org]
                isDefault: true
            unknownHost: misdirected
            """,
            source: "sites.yaml"
        )
        #expect(configuration.sites.count == 2)
        #expect(configuration.unknownHost == .misdirected)
        let site = configuration.sites[0]
        #expect(site.hosts == ["example.com", "www.example.com"])
        #expect(site.tls?.certificatePath == "/etc/journey/example.pem")
        #expect(site.rules.map(\.path) == ["/", "~ ^/blog/([0-9]+)$", "/admin/", "/app/"])
        #expect(site.rules[0].headers.set == ["Strict-Transport-Security": "max-age=63072000"])
        #expect(site.rules[0].headers.remove == ["Server"])
        #expect(site.rules[1].redirect == .init(to: "/posts/$1", status: 308))
        #expect(site.rules[2].basicAuth == .init(realm: "Admin", users: ["ada": "$2b$05$abc"]))
        #expect(site.rules[2].allow == ["10.0.0.0/8"])
        #expect(site.rules[2].rateLimit == .init(requestsPerSecond: 0.5, burst: 5, nodelay: true))
        #expect(site.rules[2].maximumBodySize == 1 << 20)
        #expect(site.rules[2].errorPages == [401: "/errors/401.html"])
        #expect(site.rules[3].tryFiles == ["$path", "/app/index.html"])
        #expect(site.rules[3].listsDirectories == true)
        let cors = try #require(site.rules[3].cors)
        #expect(cors.allowedOrigins == .only(["https://a.example"]))
        #expect(cors.allowedMethods == [.get, .post])
        #expect(cors.maxAge == .seconds(60))
        #expect(configuration.sites[1].isDefault)
        // What it prints reads back the same.
        let text = ConfigurationFile.text(of: configuration)
        #expect(ConfigurationFile.text(of: try ConfigurationFile.parse(text, source: "printed.yaml")) == text)
    }

    @Test func aWrongRuleIsReportedAtItsLine() throws {
        let error = try #require(throws: ConfigurationFileError.self) {
            try ConfigurationFile.parse(
                """
                sites:
                  - hosts: [a.test]
                    rules:
                      - path: "~ ^/(unclosed"
                      - path: /x/
                        redirect: {to: /y/, status: 200}
                        allow: [10.0.0.0/33]
                        headers: {set: {"Bad Name": x}}
                """,
                source: "rules.yaml"
            )
        }
        let lines = error.problems.map(\.description)
        #expect(lines.count == 4, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("rules.yaml:4:9: sites[0].rules[0].path: ") })
        #expect(lines.contains("rules.yaml:6:29: sites[0].rules[1].redirect.status: must be 301, 302, 303, 307 or 308"))
        #expect(lines.contains("rules.yaml:7:9: sites[0].rules[1].allow: 10.0.0.0/33 is not an address or network"))
        #expect(lines.contains("rules.yaml:8:9: sites[0].rules[1].headers: Bad Name is not a field name"))
    }
}
