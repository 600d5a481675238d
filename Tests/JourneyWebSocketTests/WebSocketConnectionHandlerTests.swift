import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import JourneyWebSocket

@Suite struct WebSocketConnectionHandlerTests {
    static func channel(ping: Duration = .seconds(10), pong: Duration = .seconds(5)) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            WebSocketOutboundQueue(limit: 1 << 20, policy: .disconnect, highWatermark: 64 << 10, recorder: nil)
        )
        try channel.pipeline.syncOperations.addHandler(
            WebSocketConnectionHandler(
                keepalive: WebSocketKeepalive(pingInterval: ping, pongTimeout: pong),
                recorder: nil
            )
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
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
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .pong, data: ByteBuffer()))
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
        // Whoever writes after the close (WSCore answering the peer's close, a hub), nothing more leaves.
        try channel.writeOutbound(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: "late")))
        try channel.writeOutbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer()))
        #expect(try channel.readOutbound(as: WebSocketFrame.self) == nil)
        _ = try? channel.finish()
    }
}
