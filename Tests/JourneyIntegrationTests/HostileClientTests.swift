import Foundation
import Journey
import JourneyTestSupport
import NIOCore
import Testing

/// What a hostile HTTP/1.1 client meets over a real socket: bad Host values, HTTP/1.0 framing it cannot have, bodies
/// trickled in, and answers given before the request was read, which must reach the client before the close.
@Suite(.timeLimit(.minutes(2))) struct HostileClientTests {
    /// Host values that are not `uri-host [ ":" port ]` (RFC 9112 §3.2, RFC 3986 §3.2.2).
    static let badHosts = [
        "a b/c", "a/b", "user@host", "host?x", "host#x", "ho\u{1}st", "host:123456", "host:", "host:8o",
        "[127.0.0.1]", "[::1", "[v1.x]", "%zz", "a\tb",
    ]

    static func router() -> Router {
        var router = Router()
        router.get("/authority") { request, _ in .text(request.head.authority ?? "-") }
        router.post("/upload") { request, _ in .text("\(request.body.collected?.readableBytes ?? -1)") }
        return router
    }

    @Test(arguments: [true, false])
    func aBadHostIs400AndAClose(fastPath: Bool) async throws {
        let fixture = try SiteFixture()
        var configuration = fixture.configuration
        configuration.http1.takesFastPath = fastPath
        configuration.http2.takesFastPath = fastPath
        try await TestServer.with(configuration) { server async throws in
            // Warm the open-file cache, so that the fast path would answer the next GET of it.
            let warm = try await RawClient.exchange("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
            #expect(warm.hasPrefix("HTTP/1.1 200 OK"))
            for host in Self.badHosts {
                let response = try await RawClient.exchange(
                    "GET /hello.txt HTTP/1.1\r\nHost: \(host)\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n",
                    port: server.port
                )
                #expect(response.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "Host: \(host.debugDescription)")
                #expect(response.contains("Connection: close\r\n"), "Host: \(host.debugDescription)")
                #expect(!response.contains("200 OK"), "Host: \(host.debugDescription) was followed by an answer")
            }
            for host in ["example.com", "example.com:8080", "127.0.0.1:80", "[::1]:8080", "[::1]", "xn--bcher-kva.x"] {
                let response = try await RawClient.exchange(
                    "GET /hello.txt HTTP/1.1\r\nHost: \(host)\r\n\r\n",
                    port: server.port
                )
                #expect(response.hasPrefix("HTTP/1.1 200 OK\r\n"), "Host: \(host)")
            }
        }
    }

    @Test func anAbsoluteTargetIsRoutedByItsAuthorityAndItsHostMustStillBeValid() async throws {
        try await TestServer.with(router: Self.router()) { server async throws in
            let routed = try await RawClient.exchange(
                "GET http://example.com:8080/authority HTTP/1.1\r\nHost: other\r\n\r\n",
                port: server.port
            )
            #expect(routed.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(routed.hasSuffix("\r\n\r\nexample.com:8080"))
            for (target, host) in [
                ("http://example.com/authority", "a b"), ("http://user@example.com/authority", "x"),
                ("http://exa mple.com/authority", "x"), ("http://:80/authority", "x"),
            ] {
                let refused = try await RawClient.exchange(
                    "GET \(target) HTTP/1.1\r\nHost: \(host)\r\n\r\n",
                    port: server.port
                )
                #expect(refused.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(target), Host: \(host)")
            }
        }
    }

    @Test func http10WithTransferEncodingIs400AndNothingAfterItIsRead() async throws {
        let fixture = try SiteFixture()
        try await TestServer.with(fixture.configuration, router: Self.router()) { server async throws in
            for extra in ["", "Content-Length: 5\r\n"] {
                let response = try await RawClient.exchange(
                    "POST /upload HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\(extra)"
                        + "Connection: keep-alive\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                        + "GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                    port: server.port
                )
                #expect(response.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(extra)")
                #expect(response.components(separatedBy: "HTTP/1.1 ").count == 2, "one answer only: \(response)")
            }
        }
    }

    @Test func aBodyBelowTheMinimumRateIs408AndCounted() async throws {
        var configuration = Configuration()
        configuration.observe.servesMetrics = true
        configuration.timeouts.lingering = LingeringClose(timeout: .seconds(5), time: .seconds(1))
        configuration.timeouts.minimumBodyRate = MinimumDataRate(bytesPerSecond: 240, gracePeriod: .seconds(1))
        try await TestServer.with(configuration, router: Self.router()) { server async throws in
            let client = try await StreamingClient.connect(port: server.port)
            try await client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
            // Never a pause longer than 200 ms, so the body timeout (60 s) alone would wait for all of it.
            let trickling = Task { await client.trickle(1, every: .milliseconds(200), for: .seconds(30)) }
            let head = try await client.receiveHead(within: .seconds(15))
            #expect(head.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
            #expect(head.contains("Connection: close\r\n"))
            // Lingering ends the drain when the trickle goes on past the lingering time at the latest.
            _ = await trickling.value
            await client.close()
            await server.server.collectStatistics()
            let slow = server.server.statistics.snapshot().totals.slowClients
            #expect(slow.bodiesBelowMinimumRate == 1)
            #expect(slow.bodiesPaused == 0)
            let metrics = try await RawClient.exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
                .withoutInstanceLabels
            #expect(metrics.contains("journey_slow_body_closes_total{reason=\"min_rate\"} 1"))
        }
    }

    @Test func aBodyThatPausesPastTheBodyTimeoutIs408() async throws {
        var configuration = Configuration()
        configuration.timeouts.bodyRead = .milliseconds(500)
        configuration.timeouts.minimumBodyRate = nil
        try await TestServer.with(configuration, router: Self.router()) { server async throws in
            let client = try await StreamingClient.connect(port: server.port)
            try await client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf")
            let head = try await client.receiveHead(within: .seconds(15))
            #expect(head.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
            #expect(try await client.ending() == .endOfStream)
            await client.close()
            await server.server.collectStatistics()
            #expect(server.server.statistics.snapshot().totals.slowClients.bodiesPaused == 1)
        }
    }

    /// The answer given before the body was read reaches the client, which then sends 4 MiB more and sees a clean
    /// end of stream, not a reset (nginx's lingering close).
    @Test(arguments: [
        ("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 67108864\r\n\r\n", "413"),
        ("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 67108864\r\nExpect: 100-continue\r\n\r\n", "413"),
        ("POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", "405"),
        ("GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 200 << 10))\r\n\r\n", "431"),
        ("POST /upload HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", "400"),
    ])
    func anEarlyAnswerIsFollowedByALingeringCloseNotAReset(request: String, status: String) async throws {
        let fixture = try SiteFixture()
        var configuration = fixture.configuration
        configuration.observe.servesMetrics = true
        try await TestServer.with(configuration, router: Self.router()) { server async throws in
            let client = try await StreamingClient.connect(port: server.port)
            try await client.send(request)
            let head = try await client.receiveHead()
            #expect(head.hasPrefix("HTTP/1.1 \(status) "))
            #expect(head.contains("Connection: close\r\n"))
            // The server shut its side after the answer, and goes on reading what the client still sends.
            #expect(try await client.ending() == .endOfStream)
            try await client.send(repeating: UInt8(ascii: "z"), count: 4 << 20)
            try await client.closeOutput()
            #expect(try await !client.wasReset)
            try await server.waitUntilNoConnections()
            await server.server.collectStatistics()
            let slow = server.server.statistics.snapshot().totals.slowClients
            #expect(slow.lingeringCloses == 1)
            #expect(slow.lingeringBytesDiscarded >= 4 << 20)
        }
    }

    /// A real client that uploads past the limit without waiting for 100-continue reads its 413 and ends cleanly:
    /// no "connection reset" in the middle of its upload, in the clear or behind TLS.
    @Test(arguments: [Transport.http1, .https1])
    func curlUploadingPastTheLimitReadsIts413(over transport: Transport) async throws {
        let directory = try TemporaryDirectory()
        let upload = try directory.write(Data(count: 8 << 20), to: "upload.bin")
        try await TestServer.with(router: Self.router(), over: transport) { server async throws in
            let result = try await server.curl(["-H", "Expect:", "--data-binary", "@" + upload, server.url("/upload")])
            #expect(result.status == 413)
            #expect(result.exitStatus == 0, "curl failed (\(result.exitStatus)) after reading the answer")
        }
    }

    @Test func aClientThatNeverStopsSendingIsCutAtTheLingeringTime() async throws {
        var configuration = Configuration()
        configuration.timeouts.lingering = LingeringClose(timeout: .seconds(5), time: .seconds(1))
        try await TestServer.with(configuration, router: Self.router()) { server async throws in
            let client = try await StreamingClient.connect(port: server.port)
            // The server's clock for the drain starts after this request arrives: the cut cannot come sooner.
            let sent = ContinuousClock.now
            try await client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 67108864\r\n\r\n")
            #expect(try await client.receiveHead().hasPrefix("HTTP/1.1 413 "))
            // Never quiet for as long as the lingering timeout: only the lingering time ends it.
            let cut = await client.trickle(1024, every: .milliseconds(100), for: .seconds(20))
            #expect(cut != nil, "the server never cut a client that kept sending")
            #expect(ContinuousClock.now - sent >= .seconds(1))
            await client.close()
            try await server.waitUntilNoConnections()
        }
    }

    @Test func aQuietClientIsClosedAfterTheLingeringTimeout() async throws {
        var configuration = Configuration()
        configuration.timeouts.lingering = LingeringClose(timeout: .milliseconds(300), time: .seconds(30))
        try await TestServer.with(configuration, router: Self.router()) { server async throws in
            let client = try await StreamingClient.connect(port: server.port)
            try await client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 67108864\r\n\r\n")
            #expect(try await client.receiveHead().hasPrefix("HTTP/1.1 413 "))
            // The client neither sends nor closes: the server closes its side of the connection by itself.
            try await server.waitUntilNoConnections()
            await client.close()
        }
    }
}
