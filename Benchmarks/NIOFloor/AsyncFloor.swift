// The least a SwiftNIO server can do for an async handler: the floor under the routed figures of Benchmarks/api.sh
// (SERVERS="... nio-floor-async").
//
//   journey-nio-floor --async [PORT]
//
// The floor of main.swift (no parsing: each request head in a read is answered with the same prepared bytes), but
// each answer comes from an async function run in a task that prefers the connection's event loop as its executor,
// and reaches the socket through a promise completed by the task, as any handler on NIO's futures must: what
// Swift concurrency costs per request before routing, middleware or HTTP types are added.
import NIOCore
import NIOPosix

/// Runs a task's jobs on one event loop.
final class FloorLoopExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// The handler: returns the prepared answer; never inlined, so the task has a real async call to make.
@inline(never)
func floorAnswer(_ response: ByteBuffer) async -> ByteBuffer {
    response
}

/// Answers each request head with `floorAnswer`, run as a task on the loop; flushes as each answer arrives.
final class AsyncFloorHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let response: ByteBuffer
    private var executor: FloorLoopExecutor?
    /// How many bytes of "\r\n\r\n" the previous read ended with.
    private var matched = 0

    init(response: ByteBuffer) {
        self.response = response
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.executor = FloorLoopExecutor(context.eventLoop)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Self.unwrapInboundIn(data)
        let heads = bytes.withUnsafeReadableBytes { raw in
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
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        for _ in 0..<heads {
            let promise = context.eventLoop.makePromise(of: ByteBuffer.self)
            let response = self.response
            Task(executorPreference: self.executor!) { promise.succeed(await floorAnswer(response)) }
            promise.futureResult.assumeIsolated().whenSuccess { answer in
                bound.value.writeAndFlush(Self.wrapOutboundOut(answer), promise: nil)
            }
        }
    }
}

/// Serves the async floor on `port` with one event loop.
func runAsyncFloor(port: Int, response: ByteBuffer) throws {
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
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(AsyncFloorHandler(response: response))
            }
        }
        .bind(host: "127.0.0.1", port: port)
        .wait()
    print("listening on \(channel.localAddress!)")
    try channel.closeFuture.wait()
}
