import Foundation
import Journey
import JourneyTestSupport
import Logging
import NIOCore
import NIOPosix
import NIOWebSocket
import Testing
import WSClient
import WSCompression

/// WebSockets over real sockets, with swift-websocket's WSClient (and raw bytes where a client must misbehave).
@Suite(.timeLimit(.minutes(2))) struct WebSocketTests {
    static let logger = Logger(label: "websocket-test")

    static func echoServer(_ configure: (inout Configuration) -> Void = { _ in }) -> Configuration {
        var configuration = Configuration()
        configuration.webSocket.echoPath = "/ws"
        configure(&configuration)
        return configuration
    }

    static func url(_ path: String, _ server: TestServer) -> String { "ws://127.0.0.1:\(server.port)\(path)" }

    static func handshake(_ path: String, extra: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\(extra)\r\n"
    }

    /// The dashboard's feed is a route on the same session as any other: it pushes a snapshot again and again, and
    /// the session echoes the browser's close (what its own frame handler used to do by hand; the session's pings,
    /// pongs and 1001 on shutdown are the other tests').
    @Test func theDashboardFeedPushesSnapshotsOnTheSession() async throws {
        var configuration = Configuration()
        configuration.observe.dashboard = .loopbackOnly
        try await TestServer.with(configuration) { server in
            let close = try await WebSocketClient.connect(
                url: Self.url("/_journey/live", server),
                logger: Self.logger
            ) { inbound, outbound, _ in
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                for _ in 0..<2 {
                    guard case .text(let snapshot) = try await messages.next() else {
                        Issue.record("the feed sends text snapshots")
                        return
                    }
                    #expect(snapshot.hasPrefix("{\"requests\":"))
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
            #expect(close?.closeCode == .normalClosure)
        }
    }

    @Test func textBinaryAndFragmentedMessagesAreEchoed() async throws {
        try await TestServer.with(Self.echoServer()) { server in
            let close = try await WebSocketClient.connect(url: Self.url("/ws", server), logger: Self.logger) {
                inbound,
                outbound,
                _ in
                try await outbound.write(.text("hello"))
                try await outbound.write(.binary(ByteBuffer(bytes: [0, 1, 2, 255])))
                try await outbound.withTextMessageWriter { write in
                    try await write("frag")
                    try await write("mented ✓")
                }
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                #expect(try await messages.next() == .text("hello"))
                #expect(try await messages.next() == .binary(ByteBuffer(bytes: [0, 1, 2, 255])))
                #expect(try await messages.next() == .text("fragmented ✓"))
                try await outbound.close(.normalClosure, reason: "done")
            }
            // The server answers the client's close with its own (RFC 6455 §5.5.1).
            #expect(close?.closeCode == .normalClosure)
        }
    }

    @Test func aMessageBiggerThanTheQueueLimitStillGoesToAPeerThatKeepsUp() async throws {
        let configuration = Self.echoServer {
            $0.webSocket.options.outboundQueueLimit = 1_024
            $0.webSocket.options.compression = .off
        }
        try await TestServer.with(configuration) { server in
            let big = String(repeating: "b", count: 8_192)
            let close = try await WebSocketClient.connect(url: Self.url("/ws", server), logger: Self.logger) {
                inbound,
                outbound,
                _ in
                try await outbound.write(.text(big))
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                #expect(try await messages.next() == .text(big))
                try await outbound.close(.normalClosure, reason: nil)
            }
            // Not 1008: nothing else was waiting, so the big message was no slow consumer's backlog.
            #expect(close?.closeCode == .normalClosure)
        }
    }

    @Test func compressedMessagesAreEchoed() async throws {
        try await TestServer.with(Self.echoServer()) { server in
            var configuration = WebSocketClientConfiguration()
            configuration.maxFrameSize = 1 << 20
            configuration.extensions = [
                WebSocketExtensionFactory.perMessageDeflate(
                    maxDecompressedFrameSize: 1 << 20,
                    minFrameSizeToCompress: 16
                ).build()
            ]
            let text = String(repeating: "journey ", count: 4_000)
            try await WebSocketClient.connect(
                url: Self.url("/ws", server),
                configuration: configuration,
                logger: Self.logger
            ) { inbound, outbound, _ in
                try await outbound.write(.text(text))
                var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                #expect(try await messages.next() == .text(text))
            }
        }
    }

    @Test func theDeflateOfferIsAnsweredOnlyWhenCompressionIsOn() async throws {
        let offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
        try await TestServer.with(Self.echoServer()) { server in
            let reply = try await RawClient.exchange(Self.handshake("/ws", extra: offer), port: server.port)
            #expect(reply.hasPrefix("HTTP/1.1 101"))
            #expect(reply.contains("Sec-WebSocket-Extensions: permessage-deflate"))
        }
        try await TestServer.with(Self.echoServer { $0.webSocket.options.compression = .off }) { server in
            let reply = try await RawClient.exchange(Self.handshake("/ws", extra: offer), port: server.port)
            #expect(reply.hasPrefix("HTTP/1.1 101"))
            #expect(!reply.contains("Sec-WebSocket-Extensions"))
        }
    }

    @Test func theHandlersCloseCodeAndReasonReachTheClient() async throws {
        var router = Router()
        router.webSocket("/bye") { inbound, outbound, _ in
            for try await _ in inbound {
                try await outbound.close(WebSocketErrorCode(codeNumber: 4000), reason: "bye now")
                return
            }
        }
        try await TestServer.with(router: router) { server in
            let close = try await WebSocketClient.connect(url: Self.url("/bye", server), logger: Self.logger) {
                inbound,
                outbound,
                _ in
                try await outbound.write(.text("hi"))
                for try await _ in inbound {}
            }
            #expect(close?.closeCode == WebSocketErrorCode(codeNumber: 4000))
            #expect(close?.reason == "bye now")
        }
    }

    /// The callback style: state kept in the setup closure, answers in order, the close heard with the peer's code.
    @Test func callbacksKeepTheirStateOnTheLoopAndHearTheClose() async throws {
        let (closes, heard) = AsyncStream.makeStream(of: WebSocketErrorCode?.self)
        var router = Router()
        router.webSocket("/count") { socket, context in
            var count = 0
            socket.onText { socket, text in
                count += 1
                socket.send(text: "\(count): \(text) on \(context.request.path)")
            }
            socket.onClose { _, code in heard.yield(code) }
        }
        try await TestServer.with(router: router) { server in
            let close = try await WebSocketClient.connect(url: Self.url("/count", server), logger: Self.logger) {
                inbound,
                outbound,
                _ in
                var messages = inbound.messages(maxSize: 1 << 10).makeAsyncIterator()
                for word in ["a", "b", "c"] { try await outbound.write(.text(word)) }
                #expect(try await messages.next() == .text("1: a on /count"))
                #expect(try await messages.next() == .text("2: b on /count"))
                #expect(try await messages.next() == .text("3: c on /count"))
                try await outbound.close(WebSocketErrorCode(codeNumber: 4321), reason: "done")
            }
            #expect(close?.closeCode == WebSocketErrorCode(codeNumber: 4321))
            var heardCloses = closes.makeAsyncIterator()
            #expect(await heardCloses.next() == .some(WebSocketErrorCode(codeNumber: 4321)))
        }
    }

    @Test func aMessageOverTheLimitClosesWith1009() async throws {
        let configuration = Self.echoServer { $0.webSocket.options.maximumMessageSize = 1_024 }
        try await TestServer.with(configuration) { server in
            // In one frame (the frame decoder refuses it)…
            let single = try await WebSocketClient.connect(url: Self.url("/ws", server), logger: Self.logger) {
                inbound,
                outbound,
                _ in
                try await outbound.write(.text(String(repeating: "x", count: 2_048)))
                for try await _ in inbound {}
            }
            #expect(single?.closeCode == .messageTooLarge)
            // …and in fragments that are each small enough (WSCore adds them up).
            let fragmented = try await WebSocketClient.connect(url: Self.url("/ws", server), logger: Self.logger) {
                inbound,
                outbound,
                _ in
                try await outbound.withTextMessageWriter { write in
                    for _ in 0..<3 { try await write(String(repeating: "y", count: 512)) }
                }
                for try await _ in inbound {}
            }
            #expect(fragmented?.closeCode == .messageTooLarge)
        }
    }

    @Test func aPeerThatDoesNotAnswerPingsIsClosed() async throws {
        let configuration = Self.echoServer {
            $0.webSocket.options.keepalive = WebSocketKeepalive(
                pingInterval: .milliseconds(500),
                pongTimeout: .milliseconds(500)
            )
        }
        try await TestServer.with(configuration) { server in
            // Raw bytes: a client that completes the handshake and then says nothing, not even a pong.
            let reply = try await RawClient.exchange(
                Array(Self.handshake("/ws").utf8),
                port: server.port,
                halfClose: false,
                deadline: .seconds(20)
            )
            let head = String(decoding: reply, as: UTF8.self)
            #expect(head.hasPrefix("HTTP/1.1 101"))
            let frames = Array(reply[(reply.firstRange(of: Array("\r\n\r\n".utf8))!.upperBound)...])
            #expect(frames.first == 0x89)  // a ping
            // Then a close with 1001 (going away): 0x88, length, 0x03 0xE9.
            let close = frames.firstRange(of: [0x88])
            #expect(close != nil)
            if let close { #expect(Array(frames[(close.lowerBound + 2)..<(close.lowerBound + 4)]) == [0x03, 0xE9]) }
        }
    }

    @Test func shouldUpgradeRefusesWithItsStatus() async throws {
        var router = Router()
        router.webSocket(
            "/private",
            shouldUpgrade: { context in
                context.request.head.headerFields[.authorization] == "Bearer ok" ? .upgrade() : .refuse(.unauthorized)
            },
            handler: { inbound, outbound, context in
                // Answers once the client has spoken: WSClient can miss a frame that arrives with the 101.
                for try await _ in inbound {
                    try await outbound.send(text: context.request.query.map(String.init) ?? "")
                }
            }
        )
        try await TestServer.with(router: router) { server in
            // Refused: 401, and the connection closes (NIO's parser hands everything after an upgrade request to
            // the new protocol, so HTTP cannot go on): the request behind it is not answered.
            let refused = try await RawClient.exchange(
                Self.handshake("/private") + "GET /private HTTP/1.1\r\nHost: x\r\n\r\n",
                port: server.port,
                halfClose: false
            )
            #expect(refused.hasPrefix("HTTP/1.1 401"))
            #expect(refused.contains("Connection: close"))
            #expect(refused.components(separatedBy: "HTTP/1.1 ").count == 2)
            // Accepted, with the query visible to the handler.
            var configuration = WebSocketClientConfiguration()
            configuration.additionalHeaders = [.authorization: "Bearer ok"]
            try await WebSocketClient.connect(
                url: Self.url("/private?room=7", server),
                configuration: configuration,
                logger: Self.logger
            ) { inbound, outbound, _ async throws in
                try await outbound.write(.text("hello"))
                var messages = inbound.messages(maxSize: 1 << 10).makeAsyncIterator()
                #expect(try await messages.next() == .text("room=7"))
            }
        }
    }

    @Test func originsAndSubprotocolsAreNegotiated() async throws {
        var options = WebSocketOptions()
        options.allowedOrigins = ["https://good.example"]
        options.subprotocols = ["v2", "v1"]
        var router = Router()
        router.webSocket("/chat", options: options) { _, outbound, context in
            try await outbound.send(text: context.subprotocol ?? "none")
        }
        try await TestServer.with(router: router) { server in
            let bad = try await RawClient.exchange(
                Self.handshake("/chat", extra: "Origin: https://evil.example\r\n"),
                port: server.port
            )
            #expect(bad.hasPrefix("HTTP/1.1 403"))
            let good = try await RawClient.exchange(
                Self.handshake("/chat", extra: "Origin: https://good.example\r\nSec-WebSocket-Protocol: v1, v2\r\n"),
                port: server.port
            )
            #expect(good.hasPrefix("HTTP/1.1 101"))
            // The route's preference wins among what the client offers.
            #expect(good.contains("Sec-WebSocket-Protocol: v2\r\n"))
        }
    }

    @Test func aPlainRequestForAWebSocketPathGets426() async throws {
        try await TestServer.with(Self.echoServer()) { server in
            let reply = try await RawClient.exchange("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
            #expect(reply.hasPrefix("HTTP/1.1 426 Upgrade Required"))
            #expect(reply.contains("Upgrade: websocket"))
            let badVersion = try await RawClient.exchange(
                Self.handshake("/ws").replacingOccurrences(of: "Version: 13", with: "Version: 8"),
                port: server.port
            )
            #expect(badVersion.hasPrefix("HTTP/1.1 426"))
            #expect(badVersion.contains("Sec-WebSocket-Version: 13"))
            // Upgrade asked on a path that is not a WebSocket route: served as a plain request.
            let file = try await RawClient.exchange(Self.handshake("/nowhere"), port: server.port)
            #expect(file.hasPrefix("HTTP/1.1 404"))
        }
    }
}

/// The router's middleware sees an upgrade request before it upgrades.
@Suite(.timeLimit(.minutes(2)))
struct WebSocketMiddlewareTests {
    /// Lets in only requests that carry `X-Token: let-me-in`.
    struct TokenMiddleware: Middleware {
        func respond(to request: Request, context: RequestContext, next: MiddlewareNext) async throws -> Response {
            guard request.head.headerFields[HTTPField.Name("X-Token")!] == "let-me-in" else {
                throw HTTPError(.unauthorized, headerFields: [.wwwAuthenticate: "Token"])
            }
            return await next(request, context)
        }
    }

    /// Hummingbird's open issue #780: an Upgrade goes to the WebSocket route, a plain GET to the GET route.
    @Test func aWebSocketRouteAndAGETRouteShareAPath() async throws {
        var router = Router()
        router.webSocket("/live") { inbound, outbound, _ in
            for try await message in inbound { try await outbound.send(message) }
        }
        router.get("/live") { _, _ in "plain" }
        try await TestServer.with(router: router) { server in
            let upgraded = try await RawClient.exchange(WebSocketTests.handshake("/live"), port: server.port)
            #expect(upgraded.hasPrefix("HTTP/1.1 101"))
            let plain = try await RawClient.exchange("GET /live HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
            #expect(plain.hasPrefix("HTTP/1.1 200"))
            #expect(plain.hasSuffix("plain"))
        }
    }

    @Test func middlewareRefusesOrAdmitsAnUpgradeAsAnyRequest() async throws {
        var router = Router()
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: TokenMiddleware())
        router.webSocket("/chat") { inbound, outbound, _ in
            for try await message in inbound { try await outbound.send(message) }
        }
        try await TestServer.with(router: router) { server in
            let refused = try await RawClient.exchange(WebSocketTests.handshake("/chat"), port: server.port)
            #expect(refused.hasPrefix("HTTP/1.1 401"))
            #expect(refused.contains("WWW-Authenticate: Token") || refused.contains("www-authenticate: Token"))
            #expect(refused.lowercased().contains("x-request-id: "))
            let admitted = try await RawClient.exchange(
                WebSocketTests.handshake("/chat", extra: "X-Token: let-me-in\r\nX-Request-ID: ws-1\r\n"),
                port: server.port
            )
            #expect(admitted.hasPrefix("HTTP/1.1 101"))
            #expect(admitted.lowercased().contains("x-request-id: ws-1"))
        }
    }
}
