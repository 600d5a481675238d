import JourneyCore
import JourneyHTTP1
import NIOCore
import NIOEmbedded

struct Answer: Responder {
    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        context.eventLoop.makeSucceededFuture(.text("ok"))
    }
}

/// The HTTP/1 stages (request-line guard, llhttp, pipelining, limits, request handler) on any bytes:
/// never traps, whatever arrives, in one write or byte by byte.
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for chunkSize in [max(1, size), 7] {
        let channel = EmbeddedChannel()
        try! HTTP1Connection(responder: Answer(), limits: HTTP1Limits(maximumRequestLineLength: 256, maximumHeaderSectionSize: 512, maximumBodySize: 256)).configure(channel)
        _ = try? channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        var offset = 0
        while offset < bytes.count, channel.isActive {
            let end = min(bytes.count, offset + chunkSize)
            _ = try? channel.writeInbound(ByteBuffer(bytes: bytes[offset..<end]))
            offset = end
        }
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        while (try? channel.readOutbound(as: IOData.self)) != nil {}
        _ = try? channel.finish()
        // The pipeline is torn down by tasks on the loop; without running them every input's channel is kept.
        channel.embeddedEventLoop.run()
    }
    return 0
}
