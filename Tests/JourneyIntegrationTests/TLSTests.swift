import Foundation
import Journey
import JourneyTestSupport
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import X509

/// The Decrypt stage from outside: ALPN, TLS versions, the https redirect, certificate reload, hostile handshakes.
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct TLSTests {
    let fixture: SiteFixture

    init() throws {
        self.fixture = try SiteFixture()
    }

    @Test func alpnChoosesTheProtocolAndTheJourneyLogSaysWhich() async throws {
        let directory = try TemporaryDirectory()
        var configuration = self.fixture.configuration
        configuration.observe.accessLogPath = directory.path + "/access.log"
        configuration.observe.accessLogFormat = .journey
        let server = try await TestServer.start(configuration, over: .h2)
        let authority = ["--cacert", TestCertificate.shared.authorityPath]
        #expect(try await Curl.run(authority + ["--http2", server.url("/hello.txt")]).version == "HTTP/2")
        #expect(try await Curl.run(authority + ["--http1.1", server.url("/hello.txt")]).version == "HTTP/1.1")
        // A client without ALPN gets HTTP/1.1 (RFC 7301 §3.2: the server carries on without it).
        #expect(try await Curl.run(authority + ["--no-alpn", server.url("/hello.txt")]).version == "HTTP/1.1")
        let tls12 = try await Curl.run(authority + ["--tlsv1.2", "--tls-max", "1.2", server.url("/hello.txt")])
        #expect(tls12.status == 200)
        try await server.server.shutdown()

        let lines = try String(contentsOfFile: directory.path + "/access.log", encoding: .utf8).split(separator: "\n")
        let entries = try lines.map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(
            entries.map { $0["request"] as? String } == [
                "GET /hello.txt HTTP/2.0", "GET /hello.txt HTTP/1.1", "GET /hello.txt HTTP/1.1",
                "GET /hello.txt HTTP/2.0",
            ]
        )
        #expect(entries.map { $0["alpn"] as? String } == ["h2", "http/1.1", nil, "h2"])
        #expect(entries.map { $0["tls"] as? String } == ["TLSv1.3", "TLSv1.3", "TLSv1.3", "TLSv1.2"])
        for entry in entries {
            // Each curl opened a connection of its own: every request's journey starts with the handshake.
            let stages = try #require(entry["journey_us"] as? [String: Int])
            #expect(stages["tls"] != nil)
        }
    }

    @Test func versionsOlderThanTLS12AreRefusedAndTheServerCarriesOn() async throws {
        try await TestServer.with(self.fixture.configuration, over: .h2) { server async throws in
            let old = try await Process.output(
                of: "curl",
                arguments: [
                    "-s", "--cacert", TestCertificate.shared.authorityPath, "--tlsv1.0", "--tls-max", "1.1",
                    server.url("/hello.txt"),
                ]
            )
            #expect(old.status != 0, "a TLS 1.1 handshake must fail")
            // Bytes that are not TLS at all: the connection is closed, not left hanging.
            _ = try await RawClient.exchange(
                "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                port: server.port,
                deadline: .seconds(15)
            )
            #expect(try await server.curl([server.url("/hello.txt")]).text == "hello\n")
        }
    }

    @Test func aSilentClientIsClosedAfterTheHandshakeTimeout() async throws {
        var configuration = self.fixture.configuration
        configuration.tls = TLSOptions(
            certificatePath: TestCertificate.shared.certificatePath,
            privateKeyPath: TestCertificate.shared.privateKeyPath
        )
        configuration.tls?.handshakeTimeout = .seconds(1)
        try await TestServer.with(configuration) { server async throws in
            // Connects, says nothing: the deadline throws if the server never closes.
            let received = try await RawClient.exchange([], port: server.port, halfClose: false, deadline: .seconds(15))
            #expect(received.isEmpty)
        }
    }

    @Test func thePlainListenerRedirectsToHTTPS() async throws {
        var configuration = self.fixture.configuration
        configuration = Transport.h2.configure(configuration)
        configuration.listeners.redirect = .port(0)
        try await TestServer.with(configuration) { server async throws in
            let redirectPort = try #require(server.server.port(of: .redirect))
            let redirect = try await Curl.run(["-X", "POST", "http://127.0.0.1:\(redirectPort)/hello.txt?x=1"])
            #expect(redirect.status == 308)
            #expect(redirect.headers["location"] == "https://127.0.0.1:\(server.port)/hello.txt?x=1")
            let followed = try await Curl.run([
                "-L", "--cacert", TestCertificate.shared.authorityPath, "http://localhost:\(redirectPort)/hello.txt",
            ])
            #expect(followed.status == 200)
            #expect(followed.text == "hello\n")
        }
    }

    @Test func aReloadKeepsOpenConnectionsAndServesTheNewCertificate() async throws {
        let directory = try TemporaryDirectory()
        let certificate = try DevelopmentCertificate(folder: directory.path).create(hosts: ["localhost"])
        var configuration = self.fixture.configuration
        configuration.tls = TLSOptions(
            certificatePath: certificate.certificatePath,
            privateKeyPath: certificate.privateKeyPath
        )
        try await TestServer.with(configuration) { server async throws in
            let before = try Certificate(
                pemEncoded: String(contentsOfFile: certificate.certificatePath, encoding: .utf8)
            )
            try await TLSClient.withConnection(port: server.port, trusting: certificate.authorityPath) {
                open async throws in
                #expect(try await open.get("/hello.txt").hasPrefix("HTTP/1.1 200 OK"))
                #expect(open.peerSerial == before.serialNumber.description)

                // A broken pair is refused; the certificate in service stays.
                try "not a certificate".write(toFile: certificate.certificatePath, atomically: true, encoding: .utf8)
                await #expect(throws: (any Error).self) { try await server.server.reloadCertificates() }
                #expect(server.server.certificateReloads == 0)

                try certificate.create(hosts: ["localhost", "renewed.test"])
                try await server.server.reloadCertificates()
                #expect(server.server.certificateReloads == 1)
                let after = try Certificate(
                    pemEncoded: String(contentsOfFile: certificate.certificatePath, encoding: .utf8)
                )
                #expect(after.serialNumber != before.serialNumber)

                // The connection that was open goes on; a new one gets the new certificate.
                #expect(try await open.get("/hello.txt").hasPrefix("HTTP/1.1 200 OK"))
                try await TLSClient.withConnection(port: server.port, trusting: certificate.authorityPath) {
                    fresh async throws in
                    #expect(fresh.peerSerial == after.serialNumber.description)
                    #expect(try await fresh.get("/hello.txt").hasPrefix("HTTP/1.1 200 OK"))
                }
            }
        }
    }
}

/// An HTTP/1.1-over-TLS client that keeps its connection, for what curl cannot do: a request, something else, and
/// another request on the same connection.
final class TLSClient {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// The serial number of the certificate the server presented (after the first request).
    private(set) var peerSerial: String?

    private init(
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Connects to 127.0.0.1:`port` as `localhost`, trusting the authority at `authorityPath`, makes a first
    /// request (which completes the handshake) and runs `body` with the open connection.
    static func withConnection(
        port: Int,
        trusting authorityPath: String,
        _ body: (TLSClient) async throws -> Void
    ) async throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(authorityPath)
        configuration.applicationProtocols = ["http/1.1"]
        let context = try NIOSSLContext(configuration: configuration)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        NIOSSLClientHandler(context: context, serverHostname: "localhost")
                    )
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let underlying = channel.channel
        try await channel.executeThenClose { inbound, outbound in
            let client = TLSClient(inbound: inbound.makeAsyncIterator(), outbound: outbound)
            _ = try await client.get("/")
            let certificate = try await underlying.nioSSL_peerCertificate().get()
            client.peerSerial = try certificate.map {
                try Certificate(derEncoded: $0.toDERBytes()).serialNumber.description
            }
            try await body(client)
        }
    }

    /// Sends a GET for `path` and returns the whole response (it must carry a Content-Length).
    func get(_ path: String) async throws -> String {
        try await self.outbound.write(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        var received = ""
        while let buffer = try await self.inbound.next() {
            received += String(buffer: buffer)
            guard let end = received.range(of: "\r\n\r\n") else { continue }
            let length =
                received[..<end.lowerBound].split(separator: "\r\n")
                .first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if received.utf8.count - received[..<end.upperBound].utf8.count >= length { break }
        }
        return received
    }
}
