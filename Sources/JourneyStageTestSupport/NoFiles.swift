import JourneyCore
import NIOCore

/// A file reader for tests whose bodies are all in memory (or that only check a file takes the full path): it is
/// never asked, and fails if it is.
public struct NoFiles: FileChunkReader {
    /// Creates the reader.
    public init() {}

    /// Fails: no test using it reads a file.
    public func read(
        _ file: OpenFile,
        offset: Int,
        count: Int,
        allocator: ByteBufferAllocator,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<ByteBuffer> {
        eventLoop.makeFailedFuture(HTTPError(.internalServerError))
    }
}
