import Benchmark
import JourneyCore
import JourneyHTTP1
import JourneyStaticFiles
import NIOCore
import NIOEmbedded

/// A 1 KiB file with its answer prepared, as the open-file cache holds a hot one.
struct HotFile: PreparedResponder {
    static let response = Response(
        status: .ok,
        headerFields: [.contentType: "text/html; charset=utf-8", .eTag: "\"5f3a-400\"", .acceptRanges: "bytes"],
        body: .bytes(ByteBuffer(repeating: UInt8(ascii: "x"), count: 1024))
    )
    static let prepared = PreparedResponse(Self.response)

    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        context.eventLoop.makeSucceededFuture(Self.response)
    }

    func preparedResponse(toGET path: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse? {
        Self.prepared
    }
}

/// One keep-alive connection on an EmbeddedChannel: a request in, its answer out, as wrk sends it.
func connection(fastPath: Bool) throws -> EmbeddedChannel {
    let channel = EmbeddedChannel()
    var http1 = HTTP1Connection(responder: HotFile())
    http1.responding.takesFastPath = fastPath
    try http1.configure(channel)
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
    return channel
}

/// What NIO and EmbeddedChannel cost for a read answered as the fast path answers it — three prepared buffers (head,
/// Date line, body) and a flush — with no HTTP at all: the floor under the fast path.
final class PreparedEcho: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let dateLine = ByteBuffer(string: "Date: Thu, 27 Nov 2026 12:00:00 GMT\r\n\r\n")

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(Self.wrapOutboundOut(HotFile.prepared!.head), promise: nil)
        context.write(Self.wrapOutboundOut(Self.dateLine), promise: nil)
        context.write(Self.wrapOutboundOut(HotFile.prepared!.body), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}

/// Sends `request` and takes its answer once per iteration, after one unmeasured exchange (it sizes NIO's buffers).
func measureRequests(_ benchmark: Benchmark, on channel: EmbeddedChannel) throws {
    try channel.writeInbound(request)
    while try channel.readOutbound(as: ByteBuffer.self) != nil {}
    benchmark.startMeasurement()
    for _ in benchmark.scaledIterations {
        try channel.writeInbound(request)
        channel.embeddedEventLoop.run()
        while let answer = try channel.readOutbound(as: ByteBuffer.self) { blackHole(answer) }
    }
    benchmark.stopMeasurement()
    _ = try? channel.finish()
}

let request = ByteBuffer(string: "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n\r\n")

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .instructions, .mallocCountTotal],
        maxDuration: .seconds(2),
        maxIterations: 200_000
    )

    // What the harness itself allocates per measured run: subtract it from every other figure.
    Benchmark("nothing: the harness alone") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(benchmark.scaledIterations.count) }
    }

    Benchmark("floor: NIO answering a read with three prepared writes, no HTTP") { benchmark in
        let channel = EmbeddedChannel(handler: PreparedEcho())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        try measureRequests(benchmark, on: channel)
    }

    for (name, fastPath) in [
        ("plain GET of a prepared 1 KiB file, fast path", true), ("the same, --no-fast-path", false),
    ] {
        Benchmark(name) { benchmark in
            try measureRequests(benchmark, on: try connection(fastPath: fastPath))
        }
    }

    Benchmark("Range: bytes=0-99,500-599 of 1 MiB") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(ByteRange.select("bytes=0-99,500-599", length: 1 << 20))
        }
    }

    Benchmark("request path: /assets/css/../img/logo%20big.png") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(RequestPath.resolve("/assets/css/../img/logo%20big.png", allowDotfiles: false))
        }
    }

    // A revalidation, as a browser sends it: If-None-Match with the current tag, then the date it had.
    let tag = EntityTag(inode: 1_234_567, size: 1024, modificationTime: 1_764_000_000)
    let conditions = Preconditions.Fields(
        ifNoneMatch: "W/\"0\", " + tag.headerValue,
        ifModifiedSince: HTTPDate.format(1_764_000_000)
    )
    Benchmark("If-None-Match: two tags, the second current") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Preconditions.evaluate(conditions, entityTag: tag, lastModified: 1_764_000_000, isSafeRead: true))
        }
    }

    Benchmark("If-Modified-Since: an IMF-fixdate") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(HTTPDate.parse("Tue, 25 Nov 2025 15:20:00 GMT"))
        }
    }
}
