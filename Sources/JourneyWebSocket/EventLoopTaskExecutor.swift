import NIOCore

/// Runs a task's jobs on one event loop, so a WebSocket session's awaits (the inbound stream, WSCore's actor,
/// the outbound writer) resume on the thread that owns its socket instead of hopping to the global pool.
///
/// SE-0417: a default actor such as WSCore's `WebSocketHandler` runs on the task's executor preference, so with
/// this preference a message goes from the socket to the handler and back without a thread switch.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
