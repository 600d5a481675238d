import HTTPTypes
import JourneyCore
import NIOCore

/// A streamed body's producer at work on one connection: the task that runs it, and the future of its end.
///
/// Both HTTP versions run their streamed bodies here; each gives only how one chunk is written and flushed.
package struct StreamedResponse {
    /// Completes with the trailers once the producer returns (or is cancelled: the body then ends cleanly), and
    /// fails when it throws or a write fails. Completes on the connection's loop.
    package let ended: EventLoopFuture<HTTPFields?>
    private let task: Task<Void, Never>
    private let sink: ChannelBodySink

    /// Starts `stream`'s producer as a task that prefers `eventLoop`; `writeChunk` writes and flushes one chunk and
    /// completes once it has left. Called on `eventLoop`.
    package init(
        _ stream: ResponseBodyStream,
        on eventLoop: any EventLoop,
        writeChunk: @escaping (ByteBuffer) -> EventLoopFuture<Void>
    ) {
        let promise = eventLoop.makePromise(of: HTTPFields?.self)
        let sink = ChannelBodySink(eventLoop: eventLoop, writeChunk: NIOLoopBound(writeChunk, eventLoop: eventLoop))
        self.sink = sink
        self.ended = promise.futureResult
        self.task = Task(executorPreference: EventLoopTaskExecutor(eventLoop)) {
            do {
                promise.succeed(try await stream.produce(ResponseBodyWriter(sink: sink)))
            } catch is CancellationError {
                promise.succeed(nil)
            } catch {
                promise.fail(error)
            }
        }
    }

    /// Asks the producer to stop (the client went away, or the server is shutting down).
    package func cancel() {
        self.task.cancel()
    }

    /// The body bytes written so far, for the access log. Read on the connection's loop.
    package var bytesWritten: Int { self.sink.bytesWritten.value }
}

/// Writes a producer's chunks on the connection's loop.
private final class ChannelBodySink: ResponseBodySink {
    let eventLoop: any EventLoop
    let writeChunk: NIOLoopBound<(ByteBuffer) -> EventLoopFuture<Void>>
    let bytesWritten: NIOLoopBoundBox<Int>

    init(eventLoop: any EventLoop, writeChunk: NIOLoopBound<(ByteBuffer) -> EventLoopFuture<Void>>) {
        self.eventLoop = eventLoop
        self.writeChunk = writeChunk
        self.bytesWritten = NIOLoopBoundBox(0, eventLoop: eventLoop)
    }

    func write(_ buffer: ByteBuffer) async throws {
        try await self.eventLoop.flatSubmit {
            self.bytesWritten.value += buffer.readableBytes
            return self.writeChunk.value(buffer)
        }.get()
    }
}
