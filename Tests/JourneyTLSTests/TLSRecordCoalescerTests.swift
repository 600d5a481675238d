import NIOCore
import NIOEmbedded
import Testing

@testable import JourneyTLS

@Suite struct TLSRecordCoalescerTests {
    @Test func smallWritesOfOneFlushLeaveAsOneAndEveryPromiseIsKept() throws {
        let channel = EmbeddedChannel(handler: TLSRecordCoalescer())
        let promises = (0..<3).map { _ in channel.eventLoop.makePromise(of: Void.self) }
        channel.write(ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\n"), promise: promises[0])
        channel.write(ByteBuffer(string: "body"), promise: promises[1])
        channel.write(ByteBuffer(), promise: promises[2])
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "nothing leaves before the flush")
        channel.flush()
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\nbody"))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        for promise in promises { try promise.futureResult.wait() }
    }

    @Test func aWriteThatWouldOverflowARecordStartsTheNext() throws {
        let channel = EmbeddedChannel(handler: TLSRecordCoalescer())
        let big = ByteBuffer(repeating: 7, count: TLSRecordCoalescer.recordSize)
        channel.write(ByteBuffer(string: "head"), promise: nil)
        channel.write(big, promise: nil)
        channel.write(ByteBuffer(string: "tail"), promise: nil)
        channel.flush()
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "head"))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == big)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "tail"))
    }
}
