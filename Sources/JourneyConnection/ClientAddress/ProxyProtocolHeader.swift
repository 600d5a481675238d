import NIOCore

/// The header a load balancer (HAProxy, an AWS NLB, nginx's `proxy_protocol on`) puts before a connection's
/// bytes to say whom it accepted the connection from: PROXY protocol version 1 (a text line) or 2 (binary).
///
/// Journey reads it by hand: no library in the package mirror does, and the format is two pages of HAProxy's
/// specification.
package struct ProxyProtocolHeader: Sendable, Equatable {
    /// The client's address; nil for a `LOCAL` (v2) or `UNKNOWN` (v1) header, the proxy's own health check,
    /// whose connection is then its own.
    package var source: SocketAddress?

    /// Why the bytes are not a header: the connection is closed.
    package struct Malformed: Error, Equatable {
        package let reason: String
    }

    /// Version 2's signature: `\r\n\r\n\0\r\nQUIT\n`.
    static let signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    /// Version 1's longest line, `\r\n` included.
    static let longestLine = 107

    /// Reads a header from the start of `buffer`, moving past it; nil when more bytes are needed.
    package static func read(from buffer: inout ByteBuffer) throws(Malformed) -> ProxyProtocolHeader? {
        let view = buffer.readableBytesView
        guard let first = view.first else { return nil }
        if first == UInt8(ascii: "P") {
            return try Self.readVersion1(from: &buffer)
        }
        let prefix = min(view.count, Self.signature.count)
        guard view.prefix(prefix).elementsEqual(Self.signature.prefix(prefix)) else {
            throw Malformed(reason: "no PROXY protocol header")
        }
        return try Self.readVersion2(from: &buffer)
    }

    /// `PROXY TCP4 SOURCE DESTINATION SOURCE-PORT DESTINATION-PORT\r\n` (or TCP6, or UNKNOWN…).
    private static func readVersion1(from buffer: inout ByteBuffer) throws(Malformed) -> ProxyProtocolHeader? {
        let view = buffer.readableBytesView
        let expected = Array("PROXY ".utf8)
        guard view.prefix(expected.count).elementsEqual(expected.prefix(min(view.count, expected.count))) else {
            throw Malformed(reason: "no PROXY protocol header")
        }
        guard let end = view.prefix(Self.longestLine).firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count >= Self.longestLine { throw Malformed(reason: "PROXY line too long") }
            return nil
        }
        let lineLength = end - view.startIndex + 1
        guard lineLength >= 2, view[end - 1] == UInt8(ascii: "\r") else {
            throw Malformed(reason: "PROXY line without CRLF")
        }
        // "\r\n" is one Character: the line is read without it, then it is skipped.
        let line = buffer.readString(length: lineLength - 2) ?? ""
        buffer.moveReaderIndex(forwardBy: 2)
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count >= 2 else { throw Malformed(reason: "PROXY line too short") }
        switch fields[1] {
        case "UNKNOWN":
            return ProxyProtocolHeader(source: nil)
        case "TCP4", "TCP6":
            guard fields.count == 6, let port = Int(fields[4]), (0...65535).contains(port),
                let destinationPort = Int(fields[5]), (0...65535).contains(destinationPort),
                let source = try? SocketAddress(ipAddress: String(fields[2]), port: port),
                (try? SocketAddress(ipAddress: String(fields[3]), port: destinationPort)) != nil
            else { throw Malformed(reason: "PROXY line with bad addresses") }
            let isIPv4 = if case .v4 = source { true } else { false }
            guard isIPv4 == (fields[1] == "TCP4") else { throw Malformed(reason: "PROXY address of the wrong family") }
            return ProxyProtocolHeader(source: source)
        default:
            throw Malformed(reason: "PROXY line of unknown protocol")
        }
    }

    /// The signature, version and command, family, length, addresses, and TLVs (skipped).
    private static func readVersion2(from buffer: inout ByteBuffer) throws(Malformed) -> ProxyProtocolHeader? {
        guard buffer.readableBytes >= 16 else { return nil }
        let start = buffer.readerIndex
        guard let versionCommand = buffer.getInteger(at: start + 12, as: UInt8.self),
            let family = buffer.getInteger(at: start + 13, as: UInt8.self),
            let length = buffer.getInteger(at: start + 14, as: UInt16.self)
        else { return nil }
        guard versionCommand >> 4 == 2 else { throw Malformed(reason: "PROXY version \(versionCommand >> 4)") }
        guard buffer.readableBytes >= 16 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 16)
        guard var body = buffer.readSlice(length: Int(length)) else { return nil }
        switch versionCommand & 0x0F {
        case 0x0:
            return ProxyProtocolHeader(source: nil)
        case 0x1:
            break
        default:
            throw Malformed(reason: "PROXY command \(versionCommand & 0x0F)")
        }
        switch family >> 4 {
        case 0x1:
            guard let address = body.readBytes(length: 4), body.readBytes(length: 4) != nil,
                let port = body.readInteger(as: UInt16.self)
            else { throw Malformed(reason: "PROXY v2 IPv4 block too short") }
            let text = address.map(String.init).joined(separator: ".")
            return ProxyProtocolHeader(source: try? SocketAddress(ipAddress: text, port: Int(port)))
        case 0x2:
            guard let address = body.readBytes(length: 16), body.readBytes(length: 16) != nil,
                let port = body.readInteger(as: UInt16.self)
            else { throw Malformed(reason: "PROXY v2 IPv6 block too short") }
            let text = stride(from: 0, to: 16, by: 2).map {
                String(UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]), radix: 16)
            }.joined(separator: ":")
            return ProxyProtocolHeader(source: try? SocketAddress(ipAddress: text, port: Int(port)))
        default:
            // AF_UNSPEC or AF_UNIX: no address a client can be named by.
            return ProxyProtocolHeader(source: nil)
        }
    }
}
