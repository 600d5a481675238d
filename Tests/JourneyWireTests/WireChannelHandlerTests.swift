import NIOCore
import NIOEmbedded
import NIOExtras
import Testing

@testable import JourneyWire

/// Counts the reads the pipeline asks of the socket (the outbound `read` event).
final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Any
    var reads = 0

    func read(context: ChannelHandlerContext) {
        self.reads += 1
        context.read()
    }
}

@Suite struct WireChannelHandlerTests {
    typealias Bridge = WireChannelHandler

    struct Bad: Error {}

    /// A line protocol's pipeline on an embedded channel: read counter → tap → framer → bridge.
    static func channel(
        limits: WireLimits = WireLimits(idleTimeout: nil),
        farewell: @escaping (any Error) -> String? = { _ in "ERR bad frame" }
    ) throws -> (EmbeddedChannel, Bridge, ReadCounter) {
        let channel = EmbeddedChannel()
        let encoder = LineEncoder(delimiter: "\n")
        let bridge = Bridge(
            farewell: { error, buffer in
                guard let line = farewell(error) else { return false }
                try encoder.encode(data: line, out: &buffer)
                return true
            },
            limits: limits,
            logger: .init(label: "test"),
            recorder: nil,
            slot: 0
        )
        let counter = ReadCounter()
        try channel.pipeline.syncOperations.addHandler(counter)
        try channel.pipeline.syncOperations.addHandler(WireReadTap { bridge.bytesArrived() })
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: limits.maximumFrameSize)
        )
        try channel.pipeline.syncOperations.addHandler(bridge)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, bridge, counter)
    }

    static func text(_ taken: WireNextMessage) -> String? {
        if case .message(let line) = taken { return String(buffer: Unwrapper<ByteBuffer>.unwrapInboundIn(line)) }
        return nil
    }

    @Test func messagesWaitInOrderAndRepliesLeaveTogether() throws {
        let (channel, bridge, _) = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "one\ntwo\nthr"))
        #expect(Self.text(bridge.take()) == "one")
        #expect(try bridge.enqueue("1"))
        #expect(Self.text(bridge.take()) == "two")
        #expect(try bridge.enqueue("2"))
        guard case .nothingYet = bridge.take() else {
            Issue.record("a partial line was handed over")
            return
        }
        // Nothing is written until the replies are flushed (the handler waits, or the loop runs its tasks).
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        channel.embeddedEventLoop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } == "1\n2\n")
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
    }

    @Test func readingStopsWhileTheHandlerIsMaximumInFlightBehind() throws {
        let (channel, bridge, counter) = try Self.channel(limits: WireLimits(idleTimeout: nil, maximumInFlight: 2))
        try channel.writeInbound(ByteBuffer(string: "a\nb\nc\n"))
        let before = counter.reads
        channel.read()
        #expect(counter.reads == before, "a read was asked for with three messages waiting")
        _ = bridge.take()
        #expect(counter.reads == before, "still two waiting")
        _ = bridge.take()
        #expect(counter.reads == before + 1, "the held read goes once the handler catches up")
    }

    @Test func aMalformedFrameEndsTheSequenceAfterTheMessagesBeforeItAndItsFarewell() throws {
        let (channel, bridge, _) = try Self.channel(limits: WireLimits(maximumFrameSize: 8, idleTimeout: nil))
        try channel.writeInbound(ByteBuffer(string: "ok\nthis line is far too long"))
        #expect(Self.text(bridge.take()) == "ok")
        #expect(try bridge.enqueue("fine"))
        guard case .failed(let error) = bridge.take() else {
            Issue.record("the oversized frame was not reported")
            return
        }
        #expect(error is ByteToMessageDecoderError.PayloadTooLargeError)
        #expect(try channel.readOutbound(as: ByteBuffer.self).map { String(buffer: $0) } == "fine\nERR bad frame\n")
        #expect(throws: ChannelError.self) { try bridge.enqueue("after") }
        guard case .ended = bridge.take() else {
            Issue.record("the sequence did not end after the error")
            return
        }
    }

    @Test func theHalfClosedPeerGetsItsAnswersThenTheEnd() throws {
        let (channel, bridge, _) = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "last\n"))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(Self.text(bridge.take()) == "last")
        guard case .ended = bridge.take() else {
            Issue.record("the sequence did not end")
            return
        }
    }

    @Test func aSilentConnectionClosesAtTheIdleTimeoutAndABusyOneDoesNot() throws {
        let (channel, _, _) = try Self.channel(limits: WireLimits(idleTimeout: .seconds(10)))
        channel.embeddedEventLoop.advanceTime(by: .seconds(6))
        try channel.writeInbound(ByteBuffer(string: "x"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(6))
        #expect(channel.isActive, "bytes 6 s ago: not idle for 10 s yet")
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(!channel.isActive)
    }

    @Test func aWaitingHandlerIsHandedTheNextMessageAndItsRepliesAreFlushedFirst() async throws {
        let (channel, bridge, _) = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "first\n"))
        _ = bridge.take()
        _ = try bridge.enqueue("reply")
        let next: WireNextMessage = await withCheckedContinuation { continuation in
            bridge.wait(continuation)
            // Waiting flushed the reply at once.
            #expect(
                (try? channel.readOutbound(as: ByteBuffer.self)).flatMap { $0 }.map { String(buffer: $0) } == "reply\n"
            )
            #expect(throws: Never.self) { try channel.writeInbound(ByteBuffer(string: "second\n")) }
        }
        #expect(Self.text(next) == "second")
    }
}

extension WireChannelHandler {
    /// Queues `line` as the tests' line protocol would.
    func enqueue(_ line: String) throws -> Bool {
        try self.append { buffer in
            try LineEncoder(delimiter: "\n").encode(data: line, out: &buffer)
            return true
        }
    }
}

/// The encoders pair with NIOExtras' framers: what one writes, the other frames back.
@Suite struct WireEncoderTests {
    static func frames<Decoder: ByteToMessageDecoder>(_ bytes: ByteBuffer, _ decoder: Decoder) throws -> [ByteBuffer]
    where Decoder.InboundOut == ByteBuffer {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(decoder))
        defer { _ = try? channel.finish() }
        try channel.writeInbound(bytes)
        var frames: [ByteBuffer] = []
        while let frame = try channel.readInbound(as: ByteBuffer.self) { frames.append(frame) }
        return frames
    }

    @Test func lengthPrefixedFramesRoundTrip() throws {
        var wire = ByteBuffer()
        for payload in ["", "one", String(repeating: "x", count: 70_000)] {
            try LengthPrefixEncoder<UInt32>().encode(data: ByteBuffer(string: payload), out: &wire)
        }
        let frames = try Self.frames(wire, LengthFieldBasedFrameDecoder(lengthFieldBitLength: .fourBytes))
        #expect(frames.map(\.readableBytes) == [0, 3, 70_000])
        #expect(throws: LengthPrefixEncoder<UInt8>.MessageTooLong.self) {
            var out = ByteBuffer()
            try LengthPrefixEncoder<UInt8>().encode(data: ByteBuffer(repeating: 0, count: 256), out: &out)
        }
    }

    @Test func fixedLengthAndLineFramesRoundTrip() throws {
        var wire = ByteBuffer()
        RawBytesEncoder().encode(data: ByteBuffer(string: "abcdef"), out: &wire)
        #expect(
            try Self.frames(wire, FixedLengthFrameDecoder(frameLength: 3)).map { String(buffer: $0) } == ["abc", "def"]
        )
        var lines = ByteBuffer()
        try LineEncoder().encode(data: "one", out: &lines)
        try LineEncoder(delimiter: "\n").encode(data: "two", out: &lines)
        #expect(try Self.frames(lines, LineBasedFrameDecoder()).map { String(buffer: $0) } == ["one", "two"])
    }
}
