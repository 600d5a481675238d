import JourneyCore
import NIOCore

/// A file reader for tests whose bodies are all in memory: never asked.
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
