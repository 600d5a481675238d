import Journey
import JourneyTestSupport
import Testing

/// HTTP/1.1 on the wire, over real sockets with a raw client: what curl would hide.
@Suite(.timeLimit(.minutes(2))) struct HTTP1WireTests {
    let fixture: SiteFixture
    var configuration: Configuration

    init() throws {
        self.fixture = try SiteFixture()
        self.configuration = self.fixture.configuration
    }

    private func statusLines(_ response: String) -> [String] {
        response.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("HTTP/1.1 ") }.map(String.init)
    }

    @Test func threePipelinedRequestsInOneWriteAreAnsweredInOrder() async throws {
        try await TestServer.with(self.configuration) { server async throws in
            let response = try await RawClient.exchange(
                "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /sub/a.txt HTTP/1.1\r\nHost: x\r\n\r\n",
                port: server.port
            )
            #expect(self.statusLines(response) == ["HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK"])
            let hello = try #require(response.range(of: "hello\n"))
            let nested = try #require(response.range(of: "nested\n"))
            #expect(hello.lowerBound < nested.lowerBound)
        }
    }

    @Test func http10ClosesUnlessAskedToKeepAlive() async throws {
        try await TestServer.with(self.configuration) { server async throws in
            // Not half-closing: the server must close by itself.
            let closing = try await RawClient.exchange(
                "GET /hello.txt HTTP/1.0\r\n\r\n",
                port: server.port,
                halfClose: false
            )
            #expect(closing.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(closing.contains("Connection: close\r\n"))
            #expect(closing.hasSuffix("hello\n"))
            let keepAlive = try await RawClient.exchange(
                "GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /hello.txt HTTP/1.0\r\n\r\n",
                port: server.port,
                halfClose: false
            )
            #expect(self.statusLines(keepAlive).count == 2)
            #expect(keepAlive.contains("Connection: keep-alive\r\n"))
        }
    }

    @Test func connectionCloseIsHonoured() async throws {
        try await TestServer.with(self.configuration) { server async throws in
            let response = try await RawClient.exchange(
                "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n",
                port: server.port,
                halfClose: false
            )
            #expect(self.statusLines(response) == ["HTTP/1.1 200 OK"])
        }
    }

    @Test(arguments: [
        ("GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        ("GET / HTTP/1.1\r\nHost: x\r\nX: \(String(repeating: "a", count: 17000))\r\n\r\n", 431),
        ("FROB / HTTP/1.1\r\nHost: x\r\n\r\n", 501),
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("\u{16}\u{3}\u{1}garbage\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x1\r\n\r\na", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n  b\r\n\r\n", 400),
        ("POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413),
    ])
    func refusesAndCloses(_ request: String, _ status: Int) async throws {
        try await TestServer.with(self.configuration) { server async throws in
            // Followed by a valid request that must NOT be answered: the connection is closed.
            let response = try await RawClient.exchange(
                request + "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n",
                port: server.port,
                halfClose: false
            )
            let lines = self.statusLines(response)
            #expect(lines.count == 1)
            #expect(lines.first?.hasPrefix("HTTP/1.1 \(status) ") == true, "\(lines)")
            #expect(response.contains("Connection: close\r\n"))
            // And the server carries on.
            let next = try await RawClient.exchange("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
            #expect(next.hasPrefix("HTTP/1.1 200 OK"))
        }
    }

    @Test func responsesCarryDateServerAndLength() async throws {
        try await TestServer.with(self.configuration) { server async throws in
            let response = try await RawClient.exchange("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
            for field in ["Date: ", "Server: journey", "Content-Length: ", "Content-Type: text/html"] {
                #expect(response.contains("\r\n\(field)"), "\(field)")
            }
        }
    }
}
