import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The body of a response, in the shapes the Write stage can send without copying.
public enum ResponseBody: Sendable {
    /// No body (204, 304, HEAD, or an empty representation).
    case empty
    /// Bytes already in memory, written as they are.
    case bytes(ByteBuffer)
    /// A byte range of an open file: sendfile on cleartext HTTP/1.
    case file(FileSlice)
    /// Several parts written back to back, as a `multipart/byteranges` body is.
    case parts([ResponseBodyPart])
    /// Bytes a producer writes as it makes them (a large export, Server-Sent Events), with backpressure: each
    /// write returns once the connection has taken it. Sent chunked over HTTP/1.1, in DATA frames over HTTP/2.
    case stream(ResponseBodyStream)

    /// Whether any of the body is a file slice (which needs sendfile, or reading in chunks).
    public var includesFile: Bool {
        switch self {
        case .empty, .bytes, .stream: return false
        case .file: return true
        case .parts(let parts):
            return parts.contains {
                if case .file = $0 { return true }
                return false
            }
        }
    }

    /// The number of bytes the body holds, which becomes Content-Length; 0 for a stream, whose length is not known
    /// before it ends.
    public var count: Int {
        switch self {
        case .empty, .stream: return 0
        case .bytes(let buffer): return buffer.readableBytes
        case .file(let slice): return slice.count
        case .parts(let parts): return parts.reduce(0) { $0 + $1.count }
        }
    }
}

/// One part of a `.parts` body: bytes in memory or a slice of a file.
public enum ResponseBodyPart: Sendable {
    /// Bytes in memory.
    case bytes(ByteBuffer)
    /// A byte range of an open file.
    case file(FileSlice)

    /// The number of bytes in this part.
    public var count: Int {
        switch self {
        case .bytes(let buffer): return buffer.readableBytes
        case .file(let slice): return slice.count
        }
    }
}

/// A byte range of an open file, kept open for as long as any response still needs it.
public struct FileSlice: Sendable {
    /// The open file; it closes once the last slice and cache entry let go of it.
    public var file: OpenFile
    /// The first byte to send.
    public var offset: Int
    /// How many bytes to send.
    public var count: Int

    /// Creates a slice of `file` starting at `offset`, `count` bytes long.
    public init(file: OpenFile, offset: Int, count: Int) {
        self.file = file
        self.offset = offset
        self.count = count
    }

    /// Whether the file still holds every byte of the slice: one `fstat` of the open descriptor (its inode is in
    /// memory; no disk access). A file truncated in place since it was opened would leave sendfile sending nothing,
    /// and the connection waiting, so a cached slice is checked before it is handed to the kernel.
    public var isIntact: Bool {
        var status = stat()
        return fstat(self.file.descriptor, &status) == 0 && Int(status.st_size) >= self.offset + self.count
    }
}
