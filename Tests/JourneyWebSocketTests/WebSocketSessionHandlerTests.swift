import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import JourneyWebSocket

/// The session in a pipeline behind NIO's frame encoder, as on a connection, driven by frames a client would send;
/// what it writes is read back through NIO's frame decoder, as a client reads it.
@Suite struct WebSocketSessionHandlerTests {
    /// The session's channel, and its output decoded into frames.
    final class SessionChannel {
        let channel = EmbeddedChannel()
        private let decoder = EmbeddedChannel(
            handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20))
        )

        var isActive: Bool { self.channel.isActive }
        var eventLoop: any EventLoop { self.channel.eventLoop }
        var embeddedEventLoop: EmbeddedEventLoop { self.channel.embeddedEventLoop }
        var pipeline: ChannelPipeline { self.channel.pipeline }

        func writeInbound(_ frame: WebSocketFrame) throws { try self.channel.writeInbound(frame) }
        func writeOutbound(_ frame: WebSocketFrame) throws { try self.channel.writeOutbound(frame) }
        func finish() throws { _ = try self.channel.finish() }

        /// The next frame the session wrote, or nil when it wrote nothing more.
        func readOutbound(as: WebSocketFrame.Type) throws -> WebSocketFrame? {
            while let bytes = try self.channel.readOutbound(as: ByteBuffer.self) {
                try self.decoder.writeInbound(bytes)
            }
            return try self.decoder.readInbound(as: WebSocketFrame.self)
        }
    }

    static func channel(
        ping: Duration = .seconds(10),
        pong: Duration = .seconds(5),
        deflate: PerMessageDeflateAgreement? = nil,
        setup: @escaping (WebSocket) -> Void = { _ in }
    ) throws -> SessionChannel {
        let session = SessionChannel()
        let channel = session.channel
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        var options = WebSocketOptions()
        options.keepalive = WebSocketKeepalive(pingInterval: ping, pongTimeout: pong)
        options.maximumMessageSize = 1 << 10
        try channel.pipeline.syncOperations.addHandler(
            WebSocketSessionHandler(
                options: options,
                deflate: deflate,
                highWatermark: 64 << 10,
                recorder: nil,
                start: setup
            )
        )
        return session
    }

    /// A frame as a client sends it: masked.
    static func client(
        _ opcode: WebSocketOpcode,
        _ text: String,
        fin: Bool = true,
        rsv1: Bool = false
    ) -> WebSocketFrame {
        client(opcode, bytes: Array(text.utf8), fin: fin, rsv1: rsv1)
    }

    static func client(
        _ opcode: WebSocketOpcode,
        bytes: [UInt8],
        fin: Bool = true,
        rsv1: Bool = false
    ) -> WebSocketFrame {
        let key: WebSocketMaskingKey = [0x11, 0x22, 0x33, 0x44]
        var data = ByteBuffer(bytes: bytes)
        data.webSocketMask(key)
        return WebSocketFrame(fin: fin, rsv1: rsv1, opcode: opcode, maskKey: key, data: data)
    }

    static func echo(_ socket: WebSocket) {
        socket.onText { socket, text in socket.send(text: text) }
        socket.onBinary { socket, bytes in socket.send(binary: bytes) }
    }

    static func closeCode(of frame: WebSocketFrame?) -> WebSocketErrorCode? {
        guard let frame, frame.opcode == .connectionClose else { return nil }
        var data = frame.data
        return data.readWebSocketErrorCode()
    }

    @Test func aQuietPeerIsPingedAndKeptWhileItAnswers() throws {
        let channel = try Self.channel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try channel.readOutbound(as: WebSocketFrame.self)?.opcode == .ping)
        try channel.writeInbound(Self.client(.pong, ""))
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(try channel.readOutbound(as: WebSocketFrame.self)?.opcode == .ping)
        _ = try? channel.finish()
    }

    @Test func aPeerThatDoesNotAnswerIsClosedWithGoingAway() throws {
        let channel = try Self.channel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(try channel.readOutbound(as: WebSocketFrame.self)?.opcode == .ping)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(4_999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(Self.closeCode(of: try channel.readOutbound(as: WebSocketFrame.self)) == .goingAway)
        #expect(!channel.isActive)
    }

    @Test func shutdownSaysGoingAwayAndNothingFollowsTheClose() throws {
        let channel = try Self.channel()
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(Self.closeCode(of: try channel.readOutbound(as: WebSocketFrame.self)) == .goingAway)
        // Whoever writes after the close (a hub, a late write from below), nothing more leaves.
        try channel.writeOutbound(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: "late")))
        try channel.writeOutbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer()))
        #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)
        _ = try? channel.finish()
    }

    @Test func callbacksAnswerOnTheLoopWithNoTask() throws {
        let channel = try Self.channel(setup: Self.echo)
        try channel.writeInbound(Self.client(.text, "hel", fin: false))
        #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)
        try channel.writeInbound(Self.client(.continuation, "lo"))
        let echoed = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(echoed.opcode == .text && echoed.fin && echoed.maskKey == nil)
        #expect(String(buffer: echoed.data) == "hello")
        try channel.writeInbound(Self.client(.ping, "are you there"))
        let pong = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(pong.opcode == .pong && String(buffer: pong.data) == "are you there")
        _ = try? channel.finish()
    }

    @Test func thePeersCloseIsEchoedThenTheServerClosesAndTheRouteHears() throws {
        var heard: WebSocketErrorCode??
        let channel = try Self.channel { socket in
            socket.onClose { _, code in heard = .some(code) }
        }
        try channel.writeInbound(Self.client(.connectionClose, bytes: [0x0F, 0xA1] + Array("bye".utf8)))
        #expect(Self.closeCode(of: try channel.readOutbound(as: WebSocketFrame.self)) == .init(codeNumber: 4001))
        #expect(!channel.isActive)
        #expect(heard == .some(.init(codeNumber: 4001)))
    }

    @Test func aBrokenRuleFailsTheConnectionWithItsCode() throws {
        let channel = try Self.channel(setup: Self.echo)
        try channel.writeInbound(Self.client(.text, "\u{FF}", fin: false).withInvalidUTF8())
        #expect(Self.closeCode(of: try channel.readOutbound(as: WebSocketFrame.self)) == .dataInconsistentWithMessage)
        #expect(!channel.isActive)
    }

    @Test func aMessageOverTheLimitIs1009() throws {
        let channel = try Self.channel(setup: Self.echo)
        try channel.writeInbound(Self.client(.binary, String(repeating: "x", count: 1000), fin: false))
        try channel.writeInbound(Self.client(.continuation, String(repeating: "x", count: 25)))
        #expect(Self.closeCode(of: try channel.readOutbound(as: WebSocketFrame.self)) == .messageTooLarge)
    }

    @Test func theServersCloseWaitsForThePeersAnswerThenCloses() throws {
        let channel = try Self.channel { socket in socket.close(.normalClosure, reason: "done") }
        let close = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(Self.closeCode(of: close) == .normalClosure)
        #expect(channel.isActive)
        try channel.writeInbound(Self.client(.text, "in flight"))  // ignored while closing
        #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)
        try channel.writeInbound(Self.client(.connectionClose, bytes: [0x03, 0xE8]))
        #expect(!channel.isActive)
    }

    @Test func aPeerThatNeverAnswersTheCloseIsCutAfterTheTimeout() throws {
        let channel = try Self.channel(ping: .seconds(3600)) { socket in socket.close() }
        _ = try channel.readOutbound(as: WebSocketFrame.self)
        channel.embeddedEventLoop.advanceTime(by: WebSocketSessionHandler.closeTimeout - .milliseconds(1))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }

    @Test func compressedMessagesAreInflatedAndLongAnswersDeflated() throws {
        let channel = try Self.channel(deflate: PerMessageDeflateAgreement(), setup: Self.echo)
        let text = String(repeating: "journey ", count: 100)
        // What a client's deflater sends: the message deflated, the sync flush's tail taken off.
        let peer = PerMessageDeflate(agreement: PerMessageDeflateAgreement())
        let deflated = try #require(peer.deflate(ByteBuffer(string: text), allocator: ByteBufferAllocator()))
        let key: WebSocketMaskingKey = [1, 2, 3, 4]
        var masked = deflated
        masked.webSocketMask(key)
        try channel.writeInbound(WebSocketFrame(fin: true, rsv1: true, opcode: .text, maskKey: key, data: masked))
        let answer = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(answer.rsv1 && answer.data.readableBytes < text.utf8.count)
        var inflated = ByteBuffer()
        try peer.inflate(answer.data, isFinal: true, into: &inflated, limit: 1 << 20)
        #expect(String(buffer: inflated) == text)
        // Short answers go as they are.
        let short = try #require(peer.deflate(ByteBuffer(string: "hi"), allocator: ByteBufferAllocator()))
        var maskedShort = short
        maskedShort.webSocketMask(key)
        try channel.writeInbound(WebSocketFrame(fin: true, rsv1: true, opcode: .text, maskKey: key, data: maskedShort))
        let plain = try #require(try channel.readOutbound(as: WebSocketFrame.self))
        #expect(!plain.rsv1 && String(buffer: plain.data) == "hi")
        _ = try? channel.finish()
    }

    @Test func sendsAfterTheConnectionClosedFailTheirPromise() throws {
        var kept: WebSocket?
        let channel = try Self.channel { kept = $0 }
        _ = try? channel.finish()
        let promise = channel.eventLoop.makePromise(of: Void.self)
        try #require(kept).send(text: "late", promise: promise)
        #expect(throws: ChannelError.self) { try promise.futureResult.wait() }
    }
}

extension WebSocketFrame {
    /// The same frame with the invalid UTF-8 byte 0xFF as its payload (masked as the original was).
    fileprivate func withInvalidUTF8() -> WebSocketFrame {
        var data = ByteBuffer(bytes: [0xFF])
        if let maskKey { data.webSocketMask(maskKey) }
        return WebSocketFrame(fin: self.fin, opcode: self.opcode, maskKey: self.maskKey, data: data)
    }
}
