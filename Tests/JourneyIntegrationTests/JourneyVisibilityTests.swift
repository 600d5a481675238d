import Foundation
import Journey
import JourneyAccept
import JourneyObserve
import JourneyTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// The journey made visible, over real sockets: kernel queues, Prometheus, Server-Timing, the dashboard.
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct JourneyVisibilityTests {
    static func connect(port: Int, timeout: TimeAmount = .seconds(10)) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .connect(host: "127.0.0.1", port: port).get()
    }

    /// The accept queue's depth for `port` as `ss -ltn` prints it (Recv-Q of the LISTEN socket).
    static func acceptQueueFromSS(_ ss: String, port: Int) async throws -> Int? {
        let output = try await Process.output(of: ss, arguments: ["-ltnH", "sport = :\(port)"])
        let line = String(decoding: output.standardOutput, as: UTF8.self).split(separator: "\n").first
        return line.flatMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first }
            .flatMap { Int($0) }
    }

    @Test func theReportedAcceptQueueIsTheKernelsWhileAcceptingIsPaused() async throws {
        try await TestServer.with { server async throws in
            await server.server.pauseAccepting()
            var clients: [any Channel] = []
            for _ in 0..<20 { clients.append(try await Self.connect(port: server.port)) }
            await server.server.collectStatistics()
            let queue = try #require(server.server.statistics.snapshot().acceptQueues.first)
            #expect(queue.depth == 20)
            #expect(queue.limit == 511)
            // The kernel's own report, as an operator reads it (outside CI, left out when ss is missing).
            if let ss = ExternalTool.ss.locate() {
                #expect(try await Self.acceptQueueFromSS(ss, port: server.port) == 20)
            }

            await server.server.resumeAccepting()
            // Every queued connection is accepted and answered: the queue is empty again.
            for client in clients { try await client.close() }
            let answer = try await RawClient.exchange("GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
            #expect(answer.hasPrefix("HTTP/1.1 200"))
            await server.server.collectStatistics()
            #expect(server.server.statistics.snapshot().acceptQueues.first?.depth == 0)
        }
    }

    @Test(.enabled(if: ListenQueueCounters.read() != nil, "needs /proc/net/netstat"))
    func aFullAcceptQueueOverflowsAndTheCounterRises() async throws {
        var configuration = Configuration()
        configuration.accept.backlog = 4
        try await TestServer.with(configuration) { server async throws in
            await server.server.collectStatistics()  // the baseline
            await server.server.pauseAccepting()
            var clients: [any Channel] = []
            // The queue holds backlog + 1; the kernel drops the SYNs beyond it and counts ListenOverflows.
            for _ in 0..<12 {
                if let client = try? await Self.connect(port: server.port, timeout: .milliseconds(300)) {
                    clients.append(client)
                }
            }
            await server.server.collectStatistics()
            let snapshot = server.server.statistics.snapshot()
            #expect(snapshot.acceptQueues.first?.depth == 5)
            #expect(snapshot.acceptQueues.first?.limit == 4)
            #expect(snapshot.listenCounters.listenOverflows > 0)
            await server.server.resumeAccepting()
            for client in clients { try? await client.close() }
        }
    }

    /// `/metrics` after three files and one 404.
    static func metricsAfterFourRequests(_ server: TestServer) async throws -> Curl.Result {
        for _ in 0..<3 { _ = try await Curl.run([server.url("/style.css")]) }
        _ = try await Curl.run([server.url("/missing")])
        return try await Curl.run([server.url("/metrics")])
    }

    @Test func metricsAreValidPrometheusText() async throws {
        var configuration = Configuration()
        configuration.observe.servesMetrics = true
        try await TestServer.with(configuration) { server async throws in
            let metrics = try await Self.metricsAfterFourRequests(server)
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = metrics.text.withoutInstanceLabels
            #expect(text.contains("journey_requests_total{status_class=\"2xx\"} 3"))
            #expect(text.contains("journey_requests_total{status_class=\"4xx\"} 1"))
            #expect(text.contains("journey_stage_duration_seconds_count{stage=\"process\"} 4"))
            #expect(text.contains("journey_listener_accept_queue_limit{listener=\"127.0.0.1:\(server.port)\"}"))
            // Every series carries the instance, the host name and the port by default.
            let series = metrics.text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
            #expect(!series.isEmpty)
            #expect(series.allSatisfy { $0.contains("instance=\"") })
        }
    }

    @Test(.requires(.curl, .promtool)) func promtoolAcceptsTheMetrics() async throws {
        var configuration = Configuration()
        configuration.observe.servesMetrics = true
        try await TestServer.with(configuration) { server async throws in
            let metrics = try await Self.metricsAfterFourRequests(server)
            let check = try await Process.output(
                of: try ExternalTool.promtool.require(),
                arguments: ["check", "metrics"],
                input: metrics.body
            )
            let text = String(decoding: check.standardOutput + check.standardError, as: UTF8.self)
            #expect(check.status == 0, "promtool: \(text)")
        }
    }

    @Test func theDecryptStageIsCountedPerTLSListener() async throws {
        var configuration = Configuration()
        configuration.observe.servesMetrics = true
        try await TestServer.with(configuration, over: .h2) { server async throws in
            let authority = ["--cacert", TestCertificate.shared.authorityPath]
            _ = try await Curl.run(authority + ["--http2", server.url("/style.css")])
            _ = try await Curl.run(authority + ["--http2", server.url("/style.css")])
            _ = try await Curl.run(authority + ["--http1.1", server.url("/style.css")])
            // Not TLS at all: a failed handshake.
            _ = try await RawClient.exchange("GET / HTTP/1.1\r\n\r\n", port: server.port)
            let metrics = try await server.curl([server.url("/metrics")]).text.withoutInstanceLabels
            let listener = "listener=\"tls(h2,http/1.1)\""
            func value(_ series: String) -> Double? {
                metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }
                    .flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            // Three curls and the /metrics request's own connection.
            #expect(value("journey_tls_handshakes_total{\(listener),result=\"completed\"}") == 4)
            #expect(value("journey_tls_handshakes_total{\(listener),result=\"failed\"}") == 1)
            #expect(value("journey_tls_alpn_total{\(listener),protocol=\"h2\"}") == 3)
            #expect(value("journey_tls_alpn_total{\(listener),protocol=\"http/1.1\"}") == 1)
            #expect(value("journey_tls_versions_total{\(listener),version=\"TLSv1.3\"}") == 4)
            #expect(value("journey_tls_handshake_duration_seconds_count{\(listener)}") == 4)
            #expect((value("journey_stage_duration_seconds_count{stage=\"tls\"}") ?? 0) >= 3)

            let snapshot = server.server.statistics.snapshot().json
            let object = try #require(JSONSerialization.jsonObject(with: Data(snapshot.utf8)) as? [String: Any])
            let handshakes = try #require(object["handshakes"] as? [[String: Any]])
            #expect(handshakes.first?["listener"] as? String == "tls(h2,http/1.1)")
            #expect((handshakes.first?["alpn"] as? [String: Int])?["h2"] == 3)
        }
    }

    @Test func metricsAreNotServedUnlessAsked() async throws {
        try await TestServer.with { server async throws in
            #expect(try await Curl.run([server.url("/metrics")]).status == 404)
            #expect(try await Curl.run([server.url("/_journey/")]).status == 404)
        }
    }

    @Test func serverTimingCarriesTheStages() async throws {
        var configuration = Configuration()
        configuration.observe.sendsServerTiming = true
        try await TestServer.with(configuration) { server async throws in
            let result = try await Curl.run([server.url("/style.css")])
            let timing = try #require(result.headers["server-timing"])
            #expect(
                timing.contains(
                    /^read;dur=\d+\.\d{3}, parse;dur=\d+\.\d{3}, decode;dur=\d+\.\d{3}, process;dur=\d+\.\d{3}$/
                )
            )
        }
        try await TestServer.with { server async throws in
            #expect(try await Curl.run([server.url("/style.css")]).headers["server-timing"] == nil)
        }
    }

    @Test func theAdminListenerServesMetricsAndTheDashboardApartFromTheSite() async throws {
        var configuration = Configuration()
        configuration.listeners.admin = ListenAddress(host: "127.0.0.1", port: 0)
        try await TestServer.with(configuration) { server async throws in
            let adminPort = try #require(server.server.port(of: .admin))
            _ = try await Curl.run([server.url("/")])
            // The request is counted once its last byte has left, which the client may see first: scrape until it is.
            // The admin listener's own answers are counted too, each once it has left: a scrape sees the main
            // listener's request and at most the scrapes before it.
            let (counted, scrapesBefore) = try await waitAtMost(for: "the request to be counted") {
                var scrapes = 0
                while true {
                    let metrics = try await Curl.run([Curl.url("/metrics", port: adminPort)])
                    let line = metrics.text.withoutInstanceLabels.split(separator: "\n").first {
                        $0.hasPrefix("journey_requests_total{status_class=\"2xx\"} ")
                    }
                    if let line, let count = Int(line.split(separator: " ").last ?? ""), count > 0 {
                        return (count, scrapes)
                    }
                    scrapes += 1
                    try Task.checkCancellation()
                    await Task.yield()
                }
            }
            #expect((1...(1 + scrapesBefore)).contains(counted), "\(counted) counted after \(scrapesBefore) scrapes")
            #expect(try await Curl.run([Curl.url("/_journey/", port: adminPort)]).text.contains("Journey — live"))
            #expect(try await Curl.run([server.url("/metrics")]).status == 404)
        }
    }

    @Test func shutdownClosesAnOpenDashboardFeedInsteadOfWaitingForIt() async throws {
        var configuration = Configuration()
        configuration.observe.dashboard = .loopbackOnly
        configuration.accept.drainTimeout = .seconds(60)
        let server = try await TestServer.start(configuration)
        let feed = try await FirstWebSocketMessage.open(path: "/_journey/live", port: server.port)
        _ = try await waitAtMost(for: "the feed's first message") { try await feed.message.get() }
        // Drained (true), not cut at the drain timeout: the feed said goodbye and closed.
        #expect(try await server.server.shutdown() == true)
        try await waitAtMost(for: "the feed to close") { try await feed.channel.closeFuture.get() }
    }

    @Test func anOperatorPausesAcceptingFromTheAdminListener() async throws {
        var configuration = Configuration()
        configuration.listeners.admin = ListenAddress(host: "127.0.0.1", port: 0)
        try await TestServer.with(configuration) { server async throws in
            let adminPort = try #require(server.server.port(of: .admin))
            let pause = try await Curl.run(["-X", "POST", Curl.url("/accept/pause", port: adminPort)])
            #expect(pause.text == "accepting paused\n")
            #expect(server.server.admission.isPausedByOperator)
            // The main listener holds a new connection in the kernel; the admin listener still answers.
            let waiting = try await Self.connect(port: server.port)
            #expect(try await Curl.run(["-m", "10", Curl.url("/metrics", port: adminPort)]).status == 200)
            await server.server.collectStatistics()
            #expect(server.server.statistics.snapshot().acceptQueues.first?.depth == 1)
            let resume = try await Curl.run(["-X", "POST", Curl.url("/accept/resume", port: adminPort)])
            #expect(resume.text == "accepting\n")
            try await waiting.close()
            #expect(try await Curl.run([server.url("/style.css")]).status == 200)
        }
    }

    @Test func theDashboardFeedSendsSnapshotsOverAWebSocket() async throws {
        var configuration = Configuration()
        configuration.observe.dashboard = .loopbackOnly
        try await TestServer.with(configuration) { server async throws in
            let page = try await Curl.run([server.url("/_journey/")])
            #expect(page.status == 200 && page.text.contains("/_journey/live"))
            _ = try await Curl.run([server.url("/style.css")])
            await server.server.collectStatistics()
            let (head, message) = try await FirstWebSocketMessage.read(path: "/_journey/live", port: server.port)
            #expect(head.hasPrefix("HTTP/1.1 101"))
            #expect(head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
            let json = try #require(JSONSerialization.jsonObject(with: Data(message.utf8)) as? [String: Any])
            #expect((json["requests"] as? Int ?? 0) >= 2)
            let connections = try #require(json["connections"] as? [String: Int])
            #expect(Set(connections.keys) == ["idle", "reading", "processing", "writing", "upgraded"])
        }
    }

    /// One of this host's IPv4 addresses that is not loopback, if it has one.
    static let outsideAddress: String? = (try? System.enumerateDevices())?.compactMap(\.address).compactMap {
        address -> String? in
        guard case .v4 = address, let ip = address.ipAddress, !ip.hasPrefix("127.") else { return nil }
        return ip
    }.first

    @Test(.enabled(if: Self.outsideAddress != nil, "no non-loopback IPv4 address on this host"))
    func theDashboardRefusesNonLoopbackClients() async throws {
        let ip = try #require(Self.outsideAddress)
        var configuration = Configuration()
        configuration.observe.dashboard = .loopbackOnly
        configuration.listeners.main.host = "0.0.0.0"
        configuration.listeners.main.port = 0
        configuration.accept.threads = 1
        let server = Server(configuration: configuration)
        try await server.start()
        do {
            let port = try #require(server.port(of: .main))
            // From this host's own outside address the client is not loopback.
            #expect(try await Curl.run(["http://\(ip):\(port)/_journey/"]).status == 403)
            #expect(try await Curl.run(["http://\(ip):\(port)/style.css"]).status == 200)
            // The feed's upgrade is refused too (checked on the loop, before any task).
            let upgrade = [
                "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13",
                "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            ]
            #expect(try await Curl.run(upgrade + ["http://\(ip):\(port)/_journey/live"]).status == 403)
            #expect(try await Curl.run([Curl.url("/_journey/", port: port)]).status == 200)
            try await server.shutdown()
        } catch {
            _ = try? await server.shutdown()
            throw error
        }
    }
}

/// Opens a WebSocket with the RFC 6455 sample key and returns the 101 head and the first text message.
enum FirstWebSocketMessage {
    struct Incomplete: Error {}

    static func read(path: String, port: Int) async throws -> (head: String, message: String) {
        let feed = try await Self.open(path: path, port: port)
        defer { feed.channel.close(promise: nil) }
        return try await waitAtMost(for: "the head and first message of \(path)") { try await feed.message.get() }
    }

    /// Opens the WebSocket and leaves it open; `message` completes with the head and first message.
    static func open(
        path: String,
        port: Int
    ) async throws -> (channel: any Channel, message: EventLoopFuture<(String, String)>) {
        let request =
            "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        let promise = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: (String, String).self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FrameCollector(promise: promise))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(10)) { promise.fail(Incomplete()) }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        try await channel.writeAndFlush(ByteBuffer(string: request))
        return (channel, promise.futureResult)
    }

    /// Collects bytes until the head and one whole unmasked server frame (RFC 6455 §5.2) have arrived.
    private final class FrameCollector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        private var buffer = ByteBuffer()
        private let promise: EventLoopPromise<(String, String)>

        init(promise: EventLoopPromise<(String, String)>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var incoming = Self.unwrapInboundIn(data)
            self.buffer.writeBuffer(&incoming)
            let bytes = Array(self.buffer.readableBytesView)
            guard let end = bytes.indices.dropLast(3).first(where: { bytes[$0..<$0 + 4] == [13, 10, 13, 10] }) else {
                return
            }
            let head = String(decoding: bytes[..<end], as: UTF8.self)
            var frame = bytes[(end + 4)...]
            guard frame.count >= 2 else { return }
            var length = Int(frame[frame.startIndex + 1] & 0x7f)
            var start = frame.startIndex + 2
            if length == 126 {
                guard frame.count >= 4 else { return }
                length = Int(frame[start]) << 8 | Int(frame[start + 1])
                start += 2
            }
            frame = frame[start...]
            guard frame.count >= length else { return }
            self.promise.succeed((head, String(decoding: frame.prefix(length), as: UTF8.self)))
        }
    }
}
