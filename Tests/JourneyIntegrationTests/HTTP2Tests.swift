import Foundation
import Journey
import JourneyTestSupport
import NIOConcurrencyHelpers
import Testing

/// HTTP/2 from outside: its SETTINGS, multiplexing with nghttp, and the clients that abuse it.
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct HTTP2Tests {
    typealias Frame = HTTP2FrameClient.Frame

    /// The connection's opening from the client: preface, empty SETTINGS, and the ACK of the server's SETTINGS
    /// (sent at once, which lets the server's limits take effect without waiting for a round trip).
    static let opening =
        HTTP2FrameClient.preface + HTTP2FrameClient.frame(type: Frame.settings)
        + HTTP2FrameClient.frame(type: Frame.settings, flags: 0x1)

    var configuration: Configuration {
        var configuration = Configuration()
        configuration.http2.cleartext = true
        return configuration
    }

    /// NIOHTTP2 lets through any `:authority` without control bytes; one that is not `uri-host [ ":" port ]` is
    /// answered 400 and reset, and never reaches a handler, while a good one on the same connection is served.
    @Test func aBadAuthorityNeverReachesAHandler() async throws {
        let calls = NIOLockedValueBox(0)
        var router = Router()
        router.get("/counted") { _, _ in
            calls.withLockedValue { $0 += 1 }
            return .text("counted")
        }
        // "a b/c" NIOHTTP2 resets itself (a pseudo-field value with a space); the others Journey answers 400.
        let bad = ["a b/c", "user@x", "x:123456", "[zz]", "x?y"]
        try await TestServer.with(self.configuration, router: router) { server async throws in
            var bytes = Self.opening
            for (index, authority) in bad.enumerated() {
                bytes += HTTP2FrameClient.get("/counted", authority: authority, stream: UInt32(2 * index + 1))
            }
            let good = UInt32(2 * bad.count + 1)
            bytes += HTTP2FrameClient.get("/counted", authority: "example.com:8080", stream: good)
            let (frames, _) = try await HTTP2FrameClient.send(bytes, port: server.port) { frames in
                frames.contains { $0.stream == good && $0.type == Frame.data && $0.flags & 0x1 != 0 }
            }
            #expect(calls.withLockedValue { $0 } == 1, "only the good authority reaches the handler")
            for index in bad.indices {
                let stream = UInt32(2 * index + 1)
                let answered = frames.contains {
                    $0.stream == stream && [Frame.headers, Frame.resetStream].contains($0.type)
                }
                #expect(answered, "\(bad[index]) was neither answered nor reset")
                #expect(
                    !frames.contains {
                        $0.stream == stream && $0.type == Frame.data && $0.payload == Array("counted".utf8)
                    }
                )
            }
        }
    }

    /// The HTTP/2 fast path answers a hot file's GET without a stream channel: a bad authority is never answered
    /// from it, but 400 the full path (HPACK static index 8 is `:status 200`, 12 is `:status 400`).
    @Test func aBadAuthorityIsNotAnsweredByTheFastPath() async throws {
        let fixture = try SiteFixture()
        var configuration = fixture.configuration
        configuration.http2.cleartext = true
        try await TestServer.with(configuration) { server async throws in
            // The first GET puts the file in the open-file cache; the fast path answers the ones after it.
            var bytes = Self.opening + HTTP2FrameClient.get("/hello.txt", authority: "x", stream: 1)
            let bad = ["user@x", "x:123456", "[zz]", "x?y", "x#y"]
            let (warm, _) = try await HTTP2FrameClient.send(bytes, port: server.port) { frames in
                frames.contains { $0.stream == 1 && $0.type == Frame.data && $0.flags & 0x1 != 0 }
            }
            #expect(warm.first { $0.stream == 1 && $0.type == Frame.headers }?.payload.first == 0x88)
            bytes = Self.opening + HTTP2FrameClient.get("/hello.txt", authority: "x", stream: 1)
            for (index, authority) in bad.enumerated() {
                bytes += HTTP2FrameClient.get("/hello.txt", authority: authority, stream: UInt32(2 * index + 3))
            }
            let streams = [1] + bad.indices.map { UInt32(2 * $0 + 3) }
            let (frames, _) = try await HTTP2FrameClient.send(bytes, port: server.port) { frames in
                streams.allSatisfy { stream in frames.contains { $0.stream == stream && $0.type == Frame.headers } }
            }
            #expect(frames.first { $0.stream == 1 && $0.type == Frame.headers }?.payload.first == 0x88)
            for index in bad.indices {
                let status = frames.first { $0.stream == UInt32(2 * index + 3) && $0.type == Frame.headers }
                #expect(status?.payload.first == 0x8c, "\(bad[index])")
            }
        }
    }

    @Test func settingsAnnounceTheStreamAndHeaderLimits() async throws {
        try await TestServer.with(self.configuration) { server async throws in
            let (frames, _) = try await HTTP2FrameClient.send(Self.opening, port: server.port) { frames in
                frames.contains { $0.type == Frame.settings && $0.flags & 0x1 == 0 }
            }
            let settings = try #require(frames.first { $0.type == Frame.settings && $0.flags & 0x1 == 0 }).settings
            #expect(settings.contains { $0 == (0x3, 100) }, "SETTINGS_MAX_CONCURRENT_STREAMS = 100")
            #expect(settings.contains { $0 == (0x6, 16384) }, "SETTINGS_MAX_HEADER_LIST_SIZE = 16 KiB")
        }
    }

    @Test func aStreamBeyondTheLimitIsRefused() async throws {
        var configuration = self.configuration
        configuration.http2.limits.maximumConcurrentStreams = 5
        try await TestServer.with(configuration) { server async throws in
            // Requests whose bodies never come, so their streams stay open.
            func opening(streams count: Int) -> [UInt8] {
                var bytes = Self.opening
                for index in 0..<count {
                    bytes += HTTP2FrameClient.get(stream: UInt32(2 * index + 1), endStream: false)
                }
                return bytes + HTTP2FrameClient.frame(type: Frame.ping, payload: Array("journey!".utf8))
            }
            let refused = { (frames: [Frame]) in
                frames.contains { $0.type == Frame.resetStream || $0.type == Frame.goAway }
            }
            let pingAnswered = { (frames: [Frame]) in frames.contains { $0.type == Frame.ping && $0.flags & 0x1 == 1 } }

            // Five is the limit: all open, and the PING after them answered.
            let (atLimit, _) = try await HTTP2FrameClient.send(opening(streams: 5), port: server.port) { frames in
                pingAnswered(frames) || refused(frames)
            }
            #expect(pingAnswered(atLimit) && !refused(atLimit))

            // A sixth is one too many. RFC 9113 §5.1.2 makes it a stream error (REFUSED_STREAM or PROTOCOL_ERROR);
            // swift-nio-http2 goes further and ends the connection with GOAWAY PROTOCOL_ERROR.
            let (overLimit, _) = try await HTTP2FrameClient.send(opening(streams: 6), port: server.port) { frames in
                refused(frames)
            }
            if let reset = overLimit.first(where: { $0.type == Frame.resetStream }) {
                #expect(reset.stream == 11)
                #expect([0x7, 0x1].contains(reset.errorCode))
            } else {
                let goAway = try #require(overLimit.first { $0.type == Frame.goAway })
                #expect(goAway.errorCode == 0x1)
            }
        }
    }

    @Test func aHeaderListOverTheLimitIsRefused() async throws {
        try await TestServer.with(self.configuration) { server async throws in
            // GET / with a 20,000-byte field (HPACK literal, new name, no Huffman), in a HEADERS frame and a
            // CONTINUATION: more than the 16 KiB the SETTINGS announced.
            let value = Array(repeating: UInt8(ascii: "a"), count: 20_000)
            var length: [UInt8] = [0x7f]  // a 7-bit prefix integer: 127, then 20,000 - 127 in 7-bit groups
            var rest = value.count - 127
            while rest >= 128 {
                length.append(UInt8(rest & 0x7f) | 0x80)
                rest >>= 7
            }
            length.append(UInt8(rest))
            let block: [UInt8] =
                [0x82, 0x86, 0x84, 0x01, 0x01, UInt8(ascii: "x"), 0x00, 0x03] + Array("big".utf8) + length + value
            let half = block.count / 2
            let bytes =
                Self.opening
                + HTTP2FrameClient.frame(type: Frame.headers, flags: 0x1, stream: 1, payload: Array(block[..<half]))
                + HTTP2FrameClient.frame(type: 0x9, flags: 0x4, stream: 1, payload: Array(block[half...]))
            let (frames, _) = try await HTTP2FrameClient.send(bytes, port: server.port) { frames in
                frames.contains { $0.type == Frame.goAway || $0.type == Frame.resetStream || $0.type == Frame.headers }
            }
            #expect(!frames.contains { $0.type == Frame.headers }, "the request was not served")
            let refusal = try #require(frames.first { $0.type == Frame.goAway || $0.type == Frame.resetStream })
            #expect(refusal.errorCode != 0)
            #expect(try await server.curl([server.url("/")]).status == 200)
        }
    }

    @Test func rapidResetClosesTheConnectionAndTheServerCarriesOn() async throws {
        try await TestServer.with(self.configuration) { server async throws in
            // CVE-2023-44487: open a stream, cancel it at once, again and again.
            var bytes = Self.opening
            for index in 0..<2000 {
                let stream = UInt32(2 * index + 1)
                bytes += HTTP2FrameClient.get(stream: stream) + HTTP2FrameClient.cancel(stream: stream)
            }
            let (frames, closed) = try await HTTP2FrameClient.send(bytes, port: server.port, deadline: .seconds(15))
            #expect(closed, "the server must close a rapid-reset connection itself")
            let answered = frames.filter { $0.type == Frame.headers }.count
            #expect(answered < 2000, "the connection was closed before every stream was served")
            // NIOHTTP2 says why before it goes: a GOAWAY with an error (ENHANCE_YOUR_CALM), not a silent close.
            let goAway = try #require(frames.first { $0.type == Frame.goAway }, "no GOAWAY before the close")
            #expect(goAway.errorCode != 0, "a GOAWAY for abuse carries an error")
            #expect(try await server.curl([server.url("/")]).status == 200)
        }
    }

    @Test(arguments: [Frame.ping, Frame.settings])
    func aControlFrameFloodClosesTheConnection(_ type: UInt8) async throws {
        try await TestServer.with(self.configuration) { server async throws in
            var bytes = Self.opening
            for _ in 0..<5000 {
                bytes += HTTP2FrameClient.frame(
                    type: type,
                    payload: type == Frame.ping ? Array(repeating: 7, count: 8) : []
                )
            }
            let (_, closed) = try await HTTP2FrameClient.send(bytes, port: server.port, deadline: .seconds(15))
            #expect(closed, "the server must close a flooding connection itself")
            #expect(try await server.curl([server.url("/")]).status == 200)
        }
    }

    @Test func resetsWithinTheLimitKeepTheConnection() async throws {
        try await TestServer.with(self.configuration) { server async throws in
            // A browser cancels now and then: 50 resets, then a PING that must still be answered.
            var bytes = Self.opening
            for index in 0..<50 {
                let stream = UInt32(2 * index + 1)
                bytes += HTTP2FrameClient.get(stream: stream) + HTTP2FrameClient.cancel(stream: stream)
            }
            bytes += HTTP2FrameClient.frame(type: Frame.ping, payload: Array("journey!".utf8))
            let (frames, closed) = try await HTTP2FrameClient.send(bytes, port: server.port) { frames in
                frames.contains { $0.type == Frame.ping && $0.flags & 0x1 == 1 }
            }
            #expect(!closed)
            #expect(frames.contains { $0.type == Frame.ping && $0.payload == Array("journey!".utf8) })
            #expect(!frames.contains { $0.type == Frame.goAway })
        }
    }

    /// `/large.bin` takes the full path (a stream channel, the body read in chunks); `/alphabet.txt`, once cached, is
    /// answered by the fast path on the connection.
    @Test(arguments: ["/large.bin?", "/alphabet.txt"])
    func aResponseTheClientWillNotTakeIsResetAfterTheSendTimeout(_ path: String) async throws {
        let fixture = try SiteFixture()
        var configuration = fixture.configuration
        configuration.http2.cleartext = true
        // Long enough for curl's own download before it, on a machine the other suites load.
        configuration.timeouts.write = .seconds(2)
        try await TestServer.with(configuration) { server async throws in
            #expect(try await server.curl([server.url(path)]).status == 200)
            // SETTINGS_INITIAL_WINDOW_SIZE = 0: the client never lets a byte of the body through.
            let bytes =
                HTTP2FrameClient.preface + HTTP2FrameClient.initialWindow(0)
                + HTTP2FrameClient.frame(type: Frame.settings, flags: 0x1) + HTTP2FrameClient.get(path, stream: 1)
            let (frames, _) = try await HTTP2FrameClient.send(bytes, port: server.port) { frames in
                frames.contains { $0.type == Frame.resetStream && $0.stream == 1 }
            }
            #expect(frames.contains { $0.type == Frame.headers && $0.stream == 1 }, "the head went out")
            #expect(!frames.contains { $0.type == Frame.data && $0.stream == 1 })
            let reset = try #require(frames.first { $0.type == Frame.resetStream && $0.stream == 1 })
            #expect(reset.errorCode != 0)
        }
    }

    @Test func anAnswerHeldByTheClientsWindowLeavesWhenItOpensAndTheConnectionCarriesOn() async throws {
        let fixture = try SiteFixture()
        var configuration = fixture.configuration
        configuration.http2.cleartext = true
        try await TestServer.with(configuration) { server async throws in
            // Cached: the fast path answers it on the connection.
            #expect(try await server.curl([server.url("/alphabet.txt")]).status == 200)
            // Ten bytes of the 36 may go; the WINDOW_UPDATE for stream 1 then lets the rest through. It names a
            // stream that has no stream channel, which must not count as an error.
            let bytes =
                HTTP2FrameClient.preface + HTTP2FrameClient.initialWindow(10)
                + HTTP2FrameClient.frame(type: Frame.settings, flags: 0x1)
                + HTTP2FrameClient.get("/alphabet.txt", stream: 1)
                + HTTP2FrameClient.windowUpdate(stream: 1, by: 100) + HTTP2FrameClient.get("/hello.txt", stream: 3)
                + HTTP2FrameClient.frame(type: Frame.ping, payload: Array("journey!".utf8))
            let (frames, closed) = try await HTTP2FrameClient.send(bytes, port: server.port) { frames in
                frames.contains { $0.type == Frame.ping && $0.flags & 0x1 == 1 }
                    && frames.contains { $0.type == Frame.data && $0.stream == 3 && $0.flags & 0x1 == 1 }
                    && frames.contains { $0.type == Frame.data && $0.stream == 1 && $0.flags & 0x1 == 1 }
            }
            #expect(!closed)
            #expect(!frames.contains { $0.type == Frame.goAway || $0.type == Frame.resetStream })
            let body = frames.filter { $0.type == Frame.data && $0.stream == 1 }.flatMap(\.payload)
            #expect(String(decoding: body, as: UTF8.self) == "0123456789abcdefghijklmnopqrstuvwxyz")
            let hello = frames.filter { $0.type == Frame.data && $0.stream == 3 }.flatMap(\.payload)
            #expect(String(decoding: hello, as: UTF8.self) == "hello\n")
        }
    }

    @Test func shutdownSendsGoAwayAndDrainsTheConnection() async throws {
        let server = try await TestServer.start(self.configuration)
        // Served once, then left open and idle: shutdown must send it away, not wait out the drain timeout.
        let shutdown = NIOLockedValueBox<Task<Bool, any Error>?>(nil)
        let (frames, _) = try await HTTP2FrameClient.send(
            Self.opening + HTTP2FrameClient.get(stream: 1),
            port: server.port
        ) { frames in
            if frames.contains(where: { $0.type == Frame.headers && $0.stream == 1 }) {
                shutdown.withLockedValue { task in
                    if task == nil { task = Task { try await server.server.shutdown() } }
                }
            }
            return frames.contains { $0.type == Frame.goAway }
        }
        let goAway = try #require(frames.first { $0.type == Frame.goAway })
        #expect(goAway.errorCode == 0)
        let drained = try await shutdown.withLockedValue { $0 }?.value
        #expect(drained == true, "every connection finished within the drain timeout")
    }

    @Test func anIdleConnectionIsSentAwayAndClosed() async throws {
        var configuration = self.configuration
        configuration.timeouts.keepAliveIdle = .seconds(1)
        try await TestServer.with(configuration) { server async throws in
            let (frames, closed) = try await HTTP2FrameClient.send(
                Self.opening + HTTP2FrameClient.get(stream: 1),
                port: server.port
            )
            #expect(closed)
            #expect(frames.contains { $0.type == Frame.headers && $0.stream == 1 })
            let goAway = try #require(frames.first { $0.type == Frame.goAway })
            #expect(goAway.errorCode == 0)
        }
    }

    @Test(arguments: [Transport.h2c, .h2])
    func aConnectionTheClientClosesIsClosed(over transport: Transport) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            #expect(try await server.curl([server.url("/")]).status == 200)
            // curl has gone: the server's side of its connection must close too (no CLOSE-WAIT left behind).
            try await server.waitUntilNoConnections()
        }
    }

    @Test(.requires(.nghttp), arguments: [Transport.h2c, .h2])
    func nghttpMultiplexesManyStreamsOnOneConnection(over transport: Transport) async throws {
        let fixture = try SiteFixture()
        try await TestServer.with(fixture.configuration, over: transport) { server async throws in
            // Distinct URLs (nghttp fetches a repeated one once).
            let paths = (0..<30).map {
                ($0 % 3 == 0 ? "/large.bin" : $0 % 3 == 1 ? "/hello.txt" : "/alphabet.txt") + "?n=\($0)"
            }
            let output = try await Process.output(
                of: try ExternalTool.nghttp.require(),
                arguments: ["-n", "-v", "-m", "1"] + paths.map { server.url($0) }
            )
            let text = String(decoding: output.standardOutput, as: UTF8.self)
            #expect(output.status == 0, "\(String(decoding: output.standardError, as: UTF8.self))")
            let statuses = text.matches(of: /recv \(stream_id=(\d+)\) :status: (\d+)/)
            #expect(statuses.count == 30)
            #expect(statuses.allSatisfy { $0.2 == "200" })
            #expect(Set(statuses.map { $0.1 }).count == 30, "thirty streams")
            // One connection: one preface, so one SETTINGS of the client's own (and one ACK of the server's).
            #expect(text.matches(of: /send SETTINGS frame <length=\d+, flags=0x00/).count == 1, "one connection")
        }
    }
}
