import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import JourneyRESP

@Suite struct RESPValueDecoderTests {
    /// The values a decoder reads from `chunks`, each one read.
    static func values(_ chunks: [String]) throws -> [RESPValue] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPValueDecoder()))
        defer { _ = try? channel.finish() }
        for chunk in chunks { try channel.writeInbound(ByteBuffer(string: chunk)) }
        var values: [RESPValue] = []
        while let value = try channel.readInbound(as: RESPValue.self) { values.append(value) }
        return values
    }

    @Test func readsRESP2Replies() throws {
        let values = try Self.values([
            "+OK\r\n-ERR wrong\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*2\r\n$1\r\na\r\n:-7\r\n*-1\r\n"
        ])
        #expect(
            values == [
                .simple("OK"), .error("ERR wrong"), .integer(42), .bulk(ByteBuffer(string: "hello")), .null,
                .array([.bulk(ByteBuffer(string: "a")), .integer(-7)]), .null,
            ]
        )
    }

    @Test func readsRESP3KindsAsTheRESP2OnesAClientNeeds() throws {
        let values = try Self.values([
            "%1\r\n+server\r\n+redis\r\n", "_\r\n", "#t\r\n", ",3.14\r\n", "(12345678901234567890\r\n",
            "=7\r\ntxt:abc\r\n", "~1\r\n:1\r\n", ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nhi\r\n",
            "|1\r\n+key\r\n+value\r\n:5\r\n", "!3\r\nBAD\r\n",
        ])
        #expect(
            values == [
                .array([.simple("server"), .simple("redis")]), .null, .integer(1), .simple("3.14"),
                .simple("12345678901234567890"), .bulk(ByteBuffer(string: "abc")), .array([.integer(1)]),
                .push([
                    .bulk(ByteBuffer(string: "message")), .bulk(ByteBuffer(string: "c")),
                    .bulk(ByteBuffer(string: "hi")),
                ]),
                .integer(5), .error("BAD"),
            ]
        )
    }

    /// A value split anywhere, a bulk's payload containing CRLF included, is read once all of it is in.
    @Test func aValueSplitAcrossReadsIsReadWhole() throws {
        let whole = "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$4\r\na\r\nb\r\n"
        for cut in 1..<whole.utf8.count {
            let bytes = Array(whole.utf8)
            let parts = [
                String(decoding: bytes[..<cut], as: UTF8.self), String(decoding: bytes[cut...], as: UTF8.self),
            ]
            let values = try Self.values(parts)
            #expect(
                values == [
                    .array([
                        .bulk(ByteBuffer(string: "message")), .bulk(ByteBuffer(string: "c")),
                        .bulk(ByteBuffer(string: "a\r\nb")),
                    ])
                ],
                "cut at \(cut)"
            )
        }
    }

    @Test(arguments: ["?x\r\n", ":abc\r\n", "$3\r\nabcde\r\n", "+a\rb\r\n"])
    func bytesThatAreNotRESPAreAnError(text: String) {
        #expect(throws: (any Error).self) { try Self.values([text]) }
    }

    @Test func nestingIsBounded() {
        #expect(throws: (any Error).self) { try Self.values([String(repeating: "*1\r\n", count: 100) + ":1\r\n"]) }
    }
}

@Suite struct RESPClientHandlerTests {
    /// Replies complete their commands in order; an error reply fails its command; what comes unasked is pushed.
    @Test func repliesPairWithCommandsInOrderAndPushesGoAside() throws {
        let pushes = PushList()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(RESPClientHandler { pushes.append($0) })
        let first = channel.eventLoop.makePromise(of: RESPValue.self)
        let second = channel.eventLoop.makePromise(of: RESPValue.self)
        try channel.writeOutbound(
            RESPClientHandler.Command(arguments: [ByteBuffer(string: "GET"), ByteBuffer(string: "k")], reply: first)
        )
        try channel.writeOutbound(RESPClientHandler.Command(arguments: [ByteBuffer(string: "BAD")], reply: second))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "*1\r\n$3\r\nBAD\r\n"))
        try channel.writeInbound(RESPValue.push([.simple("invalidate")]))
        try channel.writeInbound(RESPValue.bulk(ByteBuffer(string: "v")))
        try channel.writeInbound(RESPValue.error("ERR unknown command"))
        try channel.writeInbound(RESPValue.array([.simple("message")]))
        #expect(try first.futureResult.wait() == .bulk(ByteBuffer(string: "v")))
        #expect(throws: RESPServerError(message: "ERR unknown command")) { try second.futureResult.wait() }
        #expect(pushes.values == [.push([.simple("invalidate")]), .array([.simple("message")])])
        _ = try channel.finish()
    }

    @Test func aClosedConnectionFailsTheCommandsStillWaiting() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(RESPClientHandler { _ in })
        let reply = channel.eventLoop.makePromise(of: RESPValue.self)
        try channel.writeOutbound(RESPClientHandler.Command(arguments: [ByteBuffer(string: "PING")], reply: reply))
        _ = try channel.finish()
        #expect(throws: (any Error).self) { try reply.futureResult.wait() }
    }
}

private final class PushList: Sendable {
    private let box = NIOLockedValueBox<[RESPValue]>([])
    func append(_ value: RESPValue) { self.box.withLockedValue { $0.append(value) } }
    var values: [RESPValue] { self.box.withLockedValue { $0 } }
}

@Suite struct RedisEndpointTests {
    @Test func readsTheURLForms() throws {
        let plain = try #require(RedisEndpoint(url: "redis://127.0.0.1:6380/2"))
        #expect(plain.transport == .tcp(host: "127.0.0.1", port: 6380))
        #expect(!plain.usesTLS)
        #expect(plain.database == 2)
        #expect(plain.user == nil && plain.password == nil)

        let login = try #require(RedisEndpoint(url: "rediss://app:s%40cret@cache.example"))
        #expect(login.transport == .tcp(host: "cache.example", port: 6379))
        #expect(login.usesTLS)
        #expect(login.user == "app" && login.password == "s@cret")
        #expect(login.description == "rediss://app:***@cache.example:6379/0")

        let passwordOnly = try #require(RedisEndpoint(url: "redis://:pw@[::1]:7000"))
        #expect(passwordOnly.transport == .tcp(host: "::1", port: 7000))
        #expect(passwordOnly.user == nil && passwordOnly.password == "pw")

        let socket = try #require(RedisEndpoint(url: "unix:///run/redis/redis.sock?db=3"))
        #expect(socket.transport == .unixSocket(path: "/run/redis/redis.sock"))
        #expect(socket.database == 3)
        #expect(RedisEndpoint(url: "valkey://v:6379")?.transport == .tcp(host: "v", port: 6379))

        let authority = try #require(
            RedisEndpoint(url: "rediss://localhost:6380/1?ssl_ca_certs=/etc/redis/ca%20file.pem")
        )
        #expect(authority.certificateAuthorityPath == "/etc/redis/ca file.pem")
        #expect(authority.url == "rediss://localhost:6380/1?ssl_ca_certs=/etc/redis/ca%20file.pem")
        #expect(RedisEndpoint(url: authority.url) == authority)
        #expect(RedisEndpoint(url: login.url) == login)
    }

    @Test(arguments: [
        "http://host", "redis://", "redis://host/x", "redis://host:0", "unix://", "redis://h/-1", "nonsense",
    ])
    func refusesWhatIsNotAnEndpoint(url: String) {
        #expect(RedisEndpoint(url: url) == nil)
    }
}
