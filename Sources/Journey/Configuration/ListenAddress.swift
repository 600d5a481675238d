/// Where a listener listens: the admin listener (`--admin`), a RESP listener (`--resp`), a protocol of your own
/// (`Server.listen(on:protocol:)`).
public struct ListenAddress: Sendable, Equatable {
    /// The address, e.g. 127.0.0.1.
    public var host: String
    /// The port; 0 picks a free one.
    public var port: Int

    /// An endpoint at `host:port`.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Port `port` on `host` (127.0.0.1 unless told).
    public static func port(_ port: Int, on host: String = "127.0.0.1") -> ListenAddress {
        ListenAddress(host: host, port: port)
    }

    /// Parses `HOST:PORT` (`[::1]:9090` for IPv6); nil when it is not one.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }
}
