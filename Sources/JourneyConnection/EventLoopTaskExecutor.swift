import NIOCore

/// Runs a task's jobs on one event loop, so a connection's session (a WebSocket's, a wire protocol's) resumes
/// on the thread that owns its socket instead of hopping to the global pool.
///
/// SE-0417: nonisolated async code and default actors run on the task's executor
/// preference, so with this preference a message goes from the socket to the handler and back without a
/// thread switch.
package final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop the jobs run on.
    package let eventLoop: any EventLoop

    /// An executor for `eventLoop`.
    package init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Runs `job` on the loop.
    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
