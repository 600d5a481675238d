#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A Unix socket's file could not be given its mode or owner (an unknown user or group: ENOENT).
public struct UnixSocketError: Error, CustomStringConvertible {
    /// The socket asked for.
    public var socket: UnixSocketListener
    /// What chmod(2), chown(2) or the user database said.
    public var errno: CInt

    public var description: String {
        "cannot set the mode or owner of \(self.socket.path): \(String(cString: strerror(self.errno)))"
    }
}
