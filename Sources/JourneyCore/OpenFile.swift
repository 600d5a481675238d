#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor shared by the open-file cache and every response that is still sending it.
///
/// A cached descriptor may be evicted while a sendfile of it is still in flight; reference counting
/// closes it only when the last user lets go, so no response ever reads from a recycled descriptor.
public final class OpenFile: Sendable {
    /// The descriptor, valid for the lifetime of this object.
    public let descriptor: CInt

    /// Takes ownership of `descriptor`: it is closed when this object goes away.
    public init(takingOwnershipOf descriptor: CInt) {
        self.descriptor = descriptor
    }

    deinit {
        // close(2) of a regular file does not block on local disks; it runs wherever the last
        // reference is dropped, which is acceptable for the same reason nginx closes cached fds inline.
        _ = close(self.descriptor)
    }
}
