import NIOCore

/// An IP network as a rule's `allow` and `deny` and `--trusted-proxies` write it: `10.0.0.0/8`, `2001:db8::/32`,
/// or one address. An IPv4 client reaching an IPv6 socket (`::ffff:10.1.2.3`) is compared as the IPv4 address it
/// is.
package struct NetworkRange: Sendable, Equatable {
    /// The network's address, 16 bytes (IPv4 as IPv4-mapped IPv6).
    private let address: [UInt8]
    /// How many leading bits must match.
    private let bits: Int

    /// Reads `text`; nil for anything that is not an address with an optional prefix length.
    package init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let bytes = Self.bytes(of: String(first)) else { return nil }
        let isIPv4 = !first.contains(":")
        var bits = 128
        if parts.count == 2 {
            guard let length = Int(parts[1]), length >= 0, length <= (isIPv4 ? 32 : 128) else { return nil }
            bits = isIPv4 ? 96 + length : length
        }
        self.address = bytes
        self.bits = bits
    }

    /// Whether `client` is in the network; a client that is not an IP address (a Unix socket's) never is.
    package func contains(_ client: SocketAddress?) -> Bool {
        guard let client, let text = client.ipAddress, let bytes = Self.bytes(of: text) else { return false }
        var remaining = self.bits
        for index in 0..<16 where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if bytes[index] & mask != self.address[index] & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// The 16 bytes of an IPv6 address, or of an IPv4 one mapped into IPv6.
    private static func bytes(of text: String) -> [UInt8]? {
        guard let address = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
        switch address {
        case .v4(let v4):
            let value = UInt32(bigEndian: v4.address.sin_addr.s_addr)
            return [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF]
                + [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        case .unixDomainSocket:
            return nil
        }
    }
}
