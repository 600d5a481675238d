import Foundation
import Journey
import JourneyTestSupport
import Testing

/// Several sites on one listener, chosen by host, over real sockets: HTTP/1.1 (the fast path included) and HTTP/2.
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct SitesTests {
    /// Two folders with the same file names, so the answer shows which site gave it.
    private static func twoSites(
        unknownHost: Configuration.UnknownHostAnswer = .defaultSite
    ) throws -> (
        Configuration, [TemporaryDirectory]
    ) {
        let (first, second) = (try TemporaryDirectory(), try TemporaryDirectory())
        try first.write("first site\n", to: "index.html")
        try second.write("second site\n", to: "index.html")
        var configuration = Configuration()
        configuration.sites = [
            .init(hosts: ["first.test", "*.first.test"], staticFiles: StaticFileOptions(root: first.path)),
            .init(hosts: ["second.test"], staticFiles: StaticFileOptions(root: second.path)),
        ]
        configuration.sites[1].isDefault = true
        configuration.unknownHost = unknownHost
        return (configuration, [first, second])
    }

    @Test(arguments: [Transport.http1, .h2c])
    func eachHostReachesItsSite(over transport: Transport) async throws {
        let (configuration, folders) = try Self.twoSites()
        try await TestServer.with(configuration, over: transport) { server in
            for (host, expected) in [
                ("first.test", "first site\n"), ("www.first.test", "first site\n"),
                ("SECOND.test:443", "second site\n"),
                ("unknown.test", "second site\n"),
            ] {
                // Over HTTP/2 curl sends the Host it is given as :authority.
                let answer = try await server.curl(["-H", "Host: \(host)", server.url("/")])
                #expect(answer.status == 200)
                #expect(answer.text == expected, "\(host)")
            }
        }
        _ = folders
    }

    @Test func theFastPathAnswersEachHostFromItsOwnSite() async throws {
        let (configuration, folders) = try Self.twoSites()
        try await TestServer.with(configuration) { server in
            // One keep-alive connection, the same path on alternating hosts: a prepared answer of one site must
            // never answer for the other (the first request of each makes its file hot).
            let client = try await StreamingClient.connect(port: server.port)
            var pipeline = ""
            for round in 0..<6 {
                let host = round.isMultiple(of: 2) ? "first.test" : "second.test"
                pipeline += "GET /index.html HTTP/1.1\r\nHost: \(host)\r\n\r\n"
            }
            try await client.send(pipeline)
            try await client.send(pipeline)
            let bytes = try await client.receive { bytes in
                String(decoding: bytes, as: UTF8.self).components(separatedBy: "HTTP/1.1 200").count == 13
            }
            let bodies = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n\r\n").dropFirst()
                .map { String($0.prefix { $0 != "\n" }) }
            #expect(bodies == Array(repeating: ["first site", "second site"], count: 6).flatMap { $0 })
            await client.close()
        }
        _ = folders
    }

    @Test(arguments: [
        (Configuration.UnknownHostAnswer.misdirected, 421), (.notFound, 404),
    ])
    func anUnknownHostGetsTheConfiguredStatus(answer: Configuration.UnknownHostAnswer, status: Int) async throws {
        let (configuration, folders) = try Self.twoSites(unknownHost: answer)
        try await TestServer.with(configuration) { server in
            let unknown = try await server.curl(["-H", "Host: unknown.test", server.url("/")])
            let known = try await server.curl(["-H", "Host: second.test", server.url("/")])
            #expect(unknown.status == status)
            #expect(known.status == 200)
        }
        _ = folders
    }

    @Test func eachSiteSendsItsOwnCertificateByTheNameTheClientAsks() async throws {
        let (configuration, folders) = try Self.twoSites()
        let directory = try TemporaryDirectory()
        // Two authorities, one certificate each: a client that trusts one accepts only that site's certificate.
        let first = try DevelopmentCertificate(folder: directory.path + "/first").create(hosts: [
            "first.test", "*.first.test",
        ])
        let second = try DevelopmentCertificate(folder: directory.path + "/second").create(hosts: ["second.test"])
        var tls = configuration
        tls.tls = TLSOptions(
            certificatePath: TestCertificate.shared.certificatePath,
            privateKeyPath: TestCertificate.shared.privateKeyPath
        )
        tls.sites[0].tls = TLSOptions(certificatePath: first.certificatePath, privateKeyPath: first.privateKeyPath)
        tls.sites[1].tls = TLSOptions(certificatePath: second.certificatePath, privateKeyPath: second.privateKeyPath)
        try await TestServer.with(tls) { server in
            for (host, authority, body) in [
                ("first.test", first.authorityPath, "first site\n"),
                ("www.first.test", first.authorityPath, "first site\n"),
                ("second.test", second.authorityPath, "second site\n"),
                ("localhost", TestCertificate.shared.authorityPath, "second site\n"),
            ] {
                for version in ["--http2", "--http1.1"] {
                    let answer = try await Curl.run([
                        version, "--cacert", authority, "--resolve", "\(host):\(server.port):127.0.0.1",
                        "https://\(host):\(server.port)/",
                    ])
                    #expect(answer.status == 200, "\(host) \(version)")
                    #expect(answer.text == body, "\(host) \(version)")
                }
                // The other sites' authorities do not vouch for this name's certificate.
                let wrong = host.hasPrefix("second") ? first.authorityPath : second.authorityPath
                await #expect(throws: (any Error).self, "\(host) with the wrong authority") {
                    try await Curl.run([
                        "--cacert", wrong, "--resolve", "\(host):\(server.port):127.0.0.1",
                        "https://\(host):\(server.port)/",
                    ])
                }
            }
        }
        _ = folders
    }

    @Test(arguments: [Transport.http1, .h2c])
    func requestsAreCountedBySiteInMetricsAndTheDashboard(over transport: Transport) async throws {
        var (configuration, folders) = try Self.twoSites(unknownHost: .misdirected)
        configuration.observe.servesMetrics = true
        try await TestServer.with(configuration, over: transport) { server async throws in
            // Twice each: the second GET of a hot file is the fast path's, and counts the same.
            for _ in 0..<2 {
                _ = try await server.curl(["-H", "Host: www.first.test", server.url("/index.html")])
                _ = try await server.curl(["-H", "Host: second.test", server.url("/index.html")])
            }
            _ = try await server.curl(["-H", "Host: second.test", server.url("/missing")])
            _ = try await server.curl(["-H", "Host: nobody.test", server.url("/")])
            await server.server.collectStatistics()
            let sites = server.server.statistics.snapshot().totals.sites
            #expect(sites["first.test"]?.requests == 2)
            #expect(sites["second.test"]?.requests == 3)
            #expect(sites["second.test"]?.statusClasses[4] == 1)
            #expect(sites["unknown"]?.statusClasses[4] == 1)
            let metrics = try await server.curl(["-H", "Host: second.test", server.url("/metrics")]).text
                .withoutInstanceLabels
            #expect(metrics.contains("journey_site_requests_total{site=\"first.test\",status_class=\"2xx\"} 2"))
            #expect(metrics.contains("journey_site_requests_total{site=\"second.test\",status_class=\"4xx\"} 1"))
            #expect(server.server.statistics.snapshot().json.contains("\"sites\":[{\"site\":\"first.test\""))
        }
        _ = folders
    }
}
