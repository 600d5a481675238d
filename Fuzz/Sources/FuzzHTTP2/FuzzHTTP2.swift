import JourneyConnection
import JourneyCore
import JourneyHTTP2
import NIOCore
import NIOEmbedded

/// Answers "ok" to everything, and has the same answer prepared for GETs of paths under `/a`, so that streams take
/// the fast path (answered on the connection) as well as the full path (a stream channel).
struct Answer: PreparedResponder {
    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        context.eventLoop.makeSucceededFuture(.text("ok"))
    }

    func preparedResponse(toGET path: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse? {
        path.hasPrefix("/a") ? PreparedResponse(.text("ok")) : nil
    }
}

/// Bodies are all in memory here.
struct NoFiles: FileChunkReader {
    func read(
        _ file: OpenFile,
        offset: Int,
        count: Int,
        allocator: ByteBufferAllocator,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<ByteBuffer> {
        eventLoop.makeFailedFuture(HTTPError(.internalServerError))
    }
}

/// The HTTP/2 stages (swift-nio-http2, the fast path, the multiplexer, the stream handler, the connection's limits)
/// on any frames after a client's opening: never traps, whatever arrives, whole or in 7-byte pieces. The opening
/// sets the streams' initial window from the first byte (0, 16 or 65,535 bytes, so answers wait for WINDOW_UPDATEs
/// the input may or may not send) and asks for `/a` (the fast path) and `/b` (the full path); the rest of the input
/// follows. The send timeout then passes, so answers still waiting are reset.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let window: [UInt32] = [0, 16, 65_535]
    let opening =
        Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
        + frame(type: 4, payload: [0, 4] + bigEndian(window[Int(input[0]) % window.count]))
        + frame(type: 4, flags: 1)
        + get("/a", stream: 1) + get("/b", stream: 3)
    let bytes = opening + input.dropFirst()
    for chunkSize in [bytes.count, 7] { exchange(bytes, chunkSize: chunkSize) }
    return 0
}

private func exchange(_ bytes: [UInt8], chunkSize: Int) {
    let channel = EmbeddedChannel()
    let http2 = HTTP2Connection(
        responder: Answer(),
        fileReader: NoFiles(),
        timeouts: ConnectionTimeouts(write: .seconds(5))
    )
    try! http2.configure(channel)
    _ = try? channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    func drain() {
        channel.embeddedEventLoop.run()
        while (try? channel.readOutbound(as: IOData.self)) != nil {}
    }
    var offset = 0
    while offset < bytes.count, channel.isActive {
        let end = min(bytes.count, offset + chunkSize)
        _ = try? channel.writeInbound(ByteBuffer(bytes: bytes[offset..<end]))
        offset = end
        drain()
    }
    channel.embeddedEventLoop.advanceTime(by: .seconds(6))
    drain()
    channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    drain()
    _ = try? channel.finish()
    // The pipeline is torn down by tasks on the loop; without running them every input's channel is kept.
    channel.embeddedEventLoop.run()
}

/// A frame's bytes (RFC 9113 §4.1).
private func frame(type: UInt8, flags: UInt8 = 0, stream: UInt32 = 0, payload: [UInt8] = []) -> [UInt8] {
    Array(bigEndian(UInt32(payload.count)).dropFirst()) + [type, flags] + bigEndian(stream) + payload
}

/// HEADERS ending `stream`: GET `path` (HPACK static-table indices, literal path and authority).
private func get(_ path: String, stream: UInt32) -> [UInt8] {
    let block = [0x82, 0x86, 0x04, UInt8(path.utf8.count)] + Array(path.utf8) + [0x01, 0x01, UInt8(ascii: "x")]
    return frame(type: 1, flags: 0x5, stream: stream, payload: block)
}

private func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
}
