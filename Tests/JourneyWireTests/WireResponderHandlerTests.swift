import Logging
import NIOCore
import NIOEmbedded
import NIOExtras
import Testing

@testable import JourneyWire

/// A line protocol answered at once: each line comes back upper-cased, `QUIT` says BYE and closes; the
/// session counts the lines.
struct Shout: WireResponder {
    var name: String { "shout" }
    var limits: WireLimits { WireLimits(maximumFrameSize: 16, idleTimeout: nil) }
    func makeFramer() -> LineBasedFrameDecoder { LineBasedFrameDecoder() }
    func makeEncoder() -> LineEncoder { LineEncoder(delimiter: "\n") }
    func makeSession(context: WireContext) -> Int { 0 }
    func respond(to line: ByteBuffer, in count: inout Int) -> WireResponse<String> {
        count += 1
        let text = String(buffer: line)
        return text == "QUIT" ? .replyThenClose("BYE after \(count)") : .reply(text.uppercased())
    }
    func farewell(for error: any Error) -> String? { "ERR too long" }
}

@Suite struct WireResponderHandlerTests {
    static func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let context = WireContext(
            remoteAddress: nil,
            localAddress: nil,
            eventLoop: channel.eventLoop,
            logger: Logger(label: "test")
        )
        try channel.pipeline.syncOperations.addHandler(WireResponderHandler(Shout(), context: context, recorder: nil))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    static func written(_ channel: EmbeddedChannel) throws -> [String] {
        var writes: [String] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { writes.append(String(buffer: buffer)) }
        return writes
    }

    @Test func aReadsMessagesAreAnsweredInOneWriteWhenTheLoopsReadsAreDone() throws {
        let channel = try Self.channel()
        // A read without its completion (writeInbound would fire both).
        channel.pipeline.fireChannelRead(ByteBuffer(string: "one\ntwo\nthr"))
        #expect(try Self.written(channel).isEmpty, "answers before the read was done")
        channel.pipeline.fireChannelReadComplete()
        #expect(try Self.written(channel).isEmpty, "answers before the loop's other reads")
        // The loop runs its tasks after its I/O: the answers of the read go then, in one write.
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel) == ["ONE\nTWO\n"])
        try channel.writeInbound(ByteBuffer(string: "ee\n"))
        channel.embeddedEventLoop.run()
        #expect(try Self.written(channel) == ["THREE\n"])
        _ = try? channel.finish()
    }

    @Test func replyThenCloseAnswersAndCloses() throws {
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "hi\nQUIT\nignored\n"))
        channel.pipeline.fireChannelReadComplete()
        #expect(try Self.written(channel) == ["HI\nBYE after 2\n"])
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }

    @Test func aFrameOverTheLimitGetsTheFarewellAfterTheAnswersBeforeIt() throws {
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "ok\n" + String(repeating: "x", count: 40)))
        #expect(try Self.written(channel) == ["OK\nERR too long\n"])
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }
}
