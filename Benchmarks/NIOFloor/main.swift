// The least a SwiftNIO server can do for a keep-alive GET: the floor under journey's figures in
// Benchmarks/compare.sh (SERVERS="journey nio-floor nginx").
//
//   swift run -c release journey-nio-floor FILE [PORT]
//   swift run -c release journey-nio-floor --pubsub [PORT]     (the broadcast's floor: PubSubFloor.swift)
//   swift run -c release journey-nio-floor --sync|--async [PORT]
//                                    (api.sh's floors: `Hello, World!` in place, or from a task: AsyncFloor.swift)
//
// One event loop, the accepted sockets as journey configures them, and one handler that answers every request head
// (the bytes up to a blank line) with the same prepared bytes: a status line, five fields and the file, in one
// buffer, written in one `writev` per read. No parsing, no routing, no journey, no timeouts, no Date that changes.
// Whatever this costs per request, a server on NIO cannot cost less, so its ratio to nginx bounds journey's.
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Counts the request heads a connection sends: the blank lines that end them, also across reads.
struct RequestHeadCounter {
    /// How many bytes of "\r\n\r\n" the previous read ended with.
    private var matched = 0

    /// How many heads end in `bytes`.
    mutating func heads(endingIn bytes: ByteBuffer) -> Int {
        bytes.withUnsafeReadableBytes { raw in
            var heads = 0
            for byte in raw {
                let expected: UInt8 = self.matched % 2 == 0 ? 13 : 10
                if byte == expected {
                    self.matched += 1
                    if self.matched == 4 {
                        heads += 1
                        self.matched = 0
                    }
                } else {
                    self.matched = byte == 13 ? 1 : 0
                }
            }
            return heads
        }
    }
}

/// Answers each request head in a read with `response`; flushes once per read, as journey's fast path does.
final class FloorHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let response: ByteBuffer
    private var counter = RequestHeadCounter()

    init(response: ByteBuffer) {
        self.response = response
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        for _ in 0..<self.counter.heads(endingIn: Self.unwrapInboundIn(data)) {
            context.write(Self.wrapOutboundOut(self.response), promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}

let arguments = CommandLine.arguments
if arguments.count >= 2, arguments[1] == "--pubsub" {
    try runPubSubFloor(port: arguments.count > 2 ? Int(arguments[2]) ?? 18085 : 18085)
    exit(0)
}
if arguments.count >= 2, arguments[1] == "--async" || arguments[1] == "--sync" {
    // api.sh's floors: `Hello, World!` as nginx's `return 200` answers it, from an async handler or in place.
    var hello = ByteBuffer()
    hello.writeString(
        "HTTP/1.1 200 OK\r\nServer: journey\r\nDate: Mon, 07 Dec 2026 01:44:03 GMT\r\n"
            + "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"
    )
    let port = arguments.count > 2 ? Int(arguments[2]) ?? 18084 : 18084
    let answer = hello
    if arguments[1] == "--async" {
        try serveFloor(port: port) { AsyncFloorHandler(response: answer) }
    } else {
        try serveFloor(port: port) { FloorHandler(response: answer) }
    }
    exit(0)
}
guard arguments.count >= 2, let file = fopen(arguments[1], "rb") else {
    print("usage: journey-nio-floor FILE [PORT] | journey-nio-floor --pubsub [PORT]")
    exit(2)
}
var body: [UInt8] = []
var chunk = [UInt8](repeating: 0, count: 65536)
while case let count = fread(&chunk, 1, chunk.count, file), count > 0 {
    body += chunk[0..<count]
}
fclose(file)
let port = arguments.count > 2 ? Int(arguments[2]) ?? 18084 : 18084

var response = ByteBuffer()
response.writeString(
    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nETag: \"1-400-6b09c6d2\"\r\n"
        + "Last-Modified: Fri, 27 Nov 2026 18:07:14 GMT\r\nContent-Length: \(body.count)\r\n"
        + "Date: Fri, 27 Nov 2026 18:07:15 GMT\r\n\r\n"
)
response.writeBytes(body)
let prepared = response

try serveFloor(port: port) { FloorHandler(response: prepared) }

/// Serves connections on `port` with one event loop, each with the handler `makeHandler` makes.
func serveFloor(port: Int, _ makeHandler: @escaping @Sendable () -> any ChannelHandler) throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let channel = try ServerBootstrap(group: group)
        .serverChannelOption(.backlog, value: 4096)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(.maxMessagesPerRead, value: 16)
        .childChannelOption(
            .recvAllocator,
            value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536)
        )
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(makeHandler()) }
        }
        .bind(host: "127.0.0.1", port: port)
        .wait()
    print("listening on \(channel.localAddress!)")
    try channel.closeFuture.wait()
}
