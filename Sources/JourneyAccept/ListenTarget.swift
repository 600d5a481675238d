/// Where a listener's socket comes from: an address it binds, a Unix domain socket it creates, or a listening socket
/// it was handed (systemd's socket activation).
package enum ListenTarget: Sendable, Equatable {
    /// A TCP address: `host` (IPv4 or IPv6) and `port` (0: the kernel picks one).
    case address(host: String, port: Int)
    /// A Unix domain socket at `path` (a stale socket file left there is replaced).
    case unixSocket(path: String)
    /// A socket already bound and listening, by its descriptor (systemd passes them from 3 on).
    case inherited(descriptor: CInt)
}
