import NIOCore

/// Reads a file body a chunk at a time, off the event loop, for connections that cannot hand a file to
/// sendfile: under TLS the bytes must be encrypted in user space, and HTTP/2 frames them per stream.
public protocol FileChunkReader: Sendable {
    /// The bytes `offset..<offset+count` of `file`, read without blocking `eventLoop` (where the future completes).
    func read(
        _ file: OpenFile,
        offset: Int,
        count: Int,
        allocator: ByteBufferAllocator,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<ByteBuffer>
}
