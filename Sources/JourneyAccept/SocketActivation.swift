#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// systemd's socket activation (`sd_listen_fds(3)`): the listening sockets a service manager bound and passed to
/// this process, so that the service starts on its first connection and a restart refuses none (the sockets outlive
/// the process).
package enum SocketActivation {
    /// The first descriptor passed (`SD_LISTEN_FDS_START`).
    static let firstDescriptor: CInt = 3

    /// The descriptors passed to process `pid`: `LISTEN_FDS` of them from 3 on, when `LISTEN_PID` names `pid` (a
    /// child that inherited the variables is not the one they were meant for). Empty when there are none.
    package static func descriptors(environment: [String: String], pid: pid_t) -> [CInt] {
        guard let listenPID = environment["LISTEN_PID"].flatMap({ pid_t($0) }), listenPID == pid,
            let count = environment["LISTEN_FDS"].flatMap({ CInt($0) }), count > 0, count < 1024
        else { return [] }
        return Array(Self.firstDescriptor..<(Self.firstDescriptor + count))
    }

    /// Marks `descriptors` close-on-exec, as `sd_listen_fds` does: programs this one starts must not hold them.
    package static func closeOnExec(_ descriptors: [CInt]) {
        for descriptor in descriptors {
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
    }
}
