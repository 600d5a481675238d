import JourneyCore
import JourneyHTTP1
import NIOCore
import NIOEmbedded

/// Answers with what it saw of the request (so a request the fast path reads itself must read as llhttp's does), and
/// has "ok" prepared for GETs of paths under `/a`, so the fuzzer drives the fast path, its routed requests and its
/// hand-overs to llhttp as well as llhttp itself.
struct Answer: PreparedResponder {
    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        let head = request.head
        var seen = "\(head.method) \(head.scheme ?? "-") \(head.authority ?? "-") \(head.path ?? "-")"
        seen += " \(request.version)"
        for field in head.headerFields { seen += "\n\(field.name.rawName): \(field.value)" }
        seen += "\n\(request.body.collected?.readableBytes ?? -1)"
        return context.eventLoop.makeSucceededFuture(.text(seen))
    }

    func preparedResponse(toGET path: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse? {
        path.hasPrefix("/a") ? PreparedResponse(.text("ok")) : nil
    }
}

/// The HTTP/1 stages (fast path, request-line guard, llhttp, pipelining, limits, request handler) on any bytes:
/// never traps, whatever arrives, in one write or byte by byte; and the fast path answers exactly what the whole
/// way answers (the same lines, once the Date values are set aside; field order may differ).
func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for chunkSize in [max(1, size), 7] {
        let fast = exchange(bytes, chunkSize: chunkSize, fastPath: true)
        let whole = exchange(bytes, chunkSize: chunkSize, fastPath: false)
        precondition(fast == whole, "the fast path answered otherwise:\n\(fast)\n---\n\(whole)")
    }
    return 0
}

/// The lines written back, sorted, Date values blanked.
private func exchange(_ bytes: [UInt8], chunkSize: Int, fastPath: Bool) -> [Substring] {
    let channel = EmbeddedChannel()
    var http1 = HTTP1Connection(
        responder: Answer(),
        limits: HTTP1Limits(maximumRequestLineLength: 256, maximumHeaderSectionSize: 512, maximumBodySize: 256)
    )
    http1.responding.takesFastPath = fastPath
    try! http1.configure(channel)
    _ = try? channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    var output = ""
    func collect() {
        channel.embeddedEventLoop.run()
        while let data = try? channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = data { output += String(buffer: buffer) }
        }
    }
    var offset = 0
    while offset < bytes.count, channel.isActive {
        let end = min(bytes.count, offset + chunkSize)
        _ = try? channel.writeInbound(ByteBuffer(bytes: bytes[offset..<end]))
        offset = end
        collect()
    }
    channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    collect()
    _ = try? channel.finish()
    // The pipeline is torn down by tasks on the loop; without running them every input's channel is kept.
    channel.embeddedEventLoop.run()
    return output.split(separator: "\r\n", omittingEmptySubsequences: false)
        .map { $0.hasPrefix("Date: ") ? "Date: -" : $0 }
        .sorted()
}
