// The least a SwiftNIO server can do for an async handler: the floor under the routed figures of Benchmarks/api.sh
// (SERVERS="... nio-floor-async").
//
//   journey-nio-floor --async [PORT]      (served by main.swift's serveFloor)
//
// The floor of main.swift (no parsing: each request head in a read is answered with the same prepared bytes), but
// each answer comes from an async function run in a task that prefers the connection's event loop as its executor,
// and reaches the socket through a promise completed by the task, as any handler on NIO's futures must: what
// Swift concurrency costs per request before routing, middleware or HTTP types are added.
import NIOCore
import NIOPosix

/// Runs a task's jobs on one event loop: JourneyConnection's `EventLoopTaskExecutor` again, because the floor links
/// NIO alone.
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
    private var counter = RequestHeadCounter()

    init(response: ByteBuffer) {
        self.response = response
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.executor = FloorLoopExecutor(context.eventLoop)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let heads = self.counter.heads(endingIn: Self.unwrapInboundIn(data))
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
