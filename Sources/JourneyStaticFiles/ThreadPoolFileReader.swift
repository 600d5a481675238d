import JourneyCore
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads file chunks with `pread` on NIO's thread pool: the Write stage's source of file bytes where sendfile
/// cannot go (TLS, HTTP/2). The event loop only ever waits on a future.
public struct ThreadPoolFileReader: FileChunkReader {
    private let threadPool: NIOThreadPool

    /// Reads on `threadPool`'s threads.
    public init(threadPool: NIOThreadPool) {
        self.threadPool = threadPool
    }

    /// `count` bytes of `file` from `offset`, read with `pread` on the thread pool; fails if the file has become
    /// shorter than its response promised.
    public func read(
        _ file: OpenFile,
        offset: Int,
        count: Int,
        allocator: ByteBufferAllocator,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<ByteBuffer> {
        self.threadPool.runIfActive(eventLoop: eventLoop) {
            guard let bytes = Self.read(file.descriptor, offset: offset, count: count, allocator: allocator) else {
                // The file shrank since it was described: the response cannot be finished as promised.
                throw FileChangedError()
            }
            return bytes
        }
    }

    /// `count` bytes from `offset`, or nil when the file ends before them. Blocks: thread pool only.
    static func read(_ descriptor: CInt, offset: Int, count: Int, allocator: ByteBufferAllocator) -> ByteBuffer? {
        var buffer = allocator.buffer(capacity: count)
        let complete = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
            var done = 0
            while done < count {
                let n = pread(descriptor, bytes.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                done += n
            }
            return done
        }
        return complete == count ? buffer : nil
    }
}

/// A file became shorter while its response was being sent.
struct FileChangedError: Error {}
