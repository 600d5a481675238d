import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import JourneyObserve

/// The dashboard feed on an `EmbeddedChannel`, its clock advanced by hand.
@Suite struct DashboardFeedTests {
    private func makeChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.pipeline.syncOperations.addHandler(
            DashboardFeed(interval: .milliseconds(500), stallLimit: .seconds(2)) { "{\"n\":1}" }
        )
        return channel
    }

    private func frames(_ channel: EmbeddedChannel) throws -> [WebSocketFrame] {
        var frames: [WebSocketFrame] = []
        while let frame = try channel.readOutbound(as: WebSocketFrame.self) { frames.append(frame) }
        return frames
    }

    @Test func sendsASnapshotEveryHalfSecond() throws {
        let channel = try self.makeChannel()
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1_100))
        let frames = try self.frames(channel)
        #expect(frames.count == 3)  // at 0, 500 and 1000 ms
        #expect(frames.allSatisfy { $0.opcode == .text && String(buffer: $0.data) == "{\"n\":1}" })
        _ = try? channel.finish()
    }

    @Test func aStalledBrowserGetsNoQueueAndIsLetGo() throws {
        let channel = try self.makeChannel()
        channel.embeddedEventLoop.advanceTime(by: .zero)
        #expect(try self.frames(channel).count == 1)
        channel.isWritable = false
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1_500))
        #expect(try self.frames(channel).isEmpty)
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test func answersPingsAndEchoesTheCloseCode() throws {
        let channel = try self.makeChannel()
        channel.embeddedEventLoop.advanceTime(by: .zero)
        _ = try self.frames(channel)
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .ping, data: ByteBuffer(string: "hi")))
        let pong = try #require(try self.frames(channel).first)
        #expect(pong.opcode == .pong && String(buffer: pong.data) == "hi")
        var code = ByteBuffer()
        code.writeInteger(UInt16(1000))
        try channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: code))
        let close = try #require(try self.frames(channel).first)
        #expect(
            close.opcode == .connectionClose
                && close.data.getInteger(at: close.data.readerIndex, as: UInt16.self) == 1000
        )
        #expect(!channel.isActive)
    }
}
