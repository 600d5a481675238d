import HTTPTypes
import JourneyCore
import NIOCore

/// The proxies whose word about a client's address is believed (`--trusted-proxies`): the PROXY protocol header
/// from them, and `Forwarded` (RFC 7239) or `X-Forwarded-For` on their requests. Anyone else's header is ignored,
/// for anyone can write one.
package struct TrustedProxies: Sendable, Equatable {
    private let ranges: [NetworkRange]

    /// The proxies in `networks` (`10.0.0.0/8`, `::1`); nil when one of them is not a network.
    package init?(_ networks: [String]) {
        var ranges: [NetworkRange] = []
        for network in networks {
            guard let range = NetworkRange(network) else { return nil }
            ranges.append(range)
        }
        self.ranges = ranges
    }

    /// Whether `address` is one of the proxies. A peer on a Unix domain socket is (nginx's `set_real_ip_from
    /// unix:`): whoever may open the socket file was let in by its permissions, and has no address of its own.
    package func trust(_ address: SocketAddress?) -> Bool {
        if case .unixDomainSocket = address { return true }
        return self.ranges.contains { $0.contains(address) }
    }

    /// The client that `peer` (the connection's other end, or the address its PROXY header named) forwarded
    /// `fields` for: walking `Forwarded`'s `for=` (else `X-Forwarded-For`) from the nearest hop back, the first
    /// address that is not a trusted proxy (nginx's `real_ip_recursive on`). A hop that names no address
    /// (`unknown`, an obfuscated `_name`) ends the walk at the proxy before it.
    package func client(of peer: SocketAddress?, fields: HTTPFields) -> SocketAddress? {
        guard self.trust(peer) else { return peer }
        let hops = Self.forwardedFor(fields) ?? Self.xForwardedFor(fields)
        var client = peer
        for hop in hops.reversed() {
            guard let address = Self.address(of: hop) else { return client }
            client = address
            if !self.trust(address) { return address }
        }
        return client
    }

    /// The `for=` of every element of every `Forwarded` field, in order; nil without the field.
    static func forwardedFor(_ fields: HTTPFields) -> [Substring]? {
        let values = fields[values: .forwarded]
        guard !values.isEmpty else { return nil }
        var hops: [Substring] = []
        for value in values {
            for element in value.split(separator: ",") {
                for pair in element.split(separator: ";") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2, parts[0].trimmingBlanks.lowercased() == "for" else { continue }
                    hops.append(parts[1].trimmingBlanks)
                }
            }
        }
        return hops
    }

    static func xForwardedFor(_ fields: HTTPFields) -> [Substring] {
        fields[values: .xForwardedFor].flatMap { $0.split(separator: ",").map { $0.trimmingBlanks } }
    }

    /// The address a hop names: `192.0.2.60`, `"192.0.2.60:4711"`, `"[2001:db8::17]:4711"`, `2001:db8::17`.
    static func address(of hop: Substring) -> SocketAddress? {
        var text = hop
        if text.count >= 2, text.first == "\"", text.last == "\"" { text = text.dropFirst().dropLast() }
        var port = 0
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            if rest.first == ":" { port = Int(rest.dropFirst()) ?? 0 }
            text = text[text.index(after: text.startIndex)..<close]
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            port = Int(text[text.index(after: colon)...]) ?? 0
            text = text[..<colon]
        }
        guard (0...65535).contains(port) else { return nil }
        return try? SocketAddress(ipAddress: String(text), port: port)
    }
}

extension HTTPField.Name {
    /// `Forwarded` (RFC 7239).
    static let forwarded = HTTPField.Name("Forwarded")!
    /// `X-Forwarded-For`: the de facto list of client and proxy addresses, client first.
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
