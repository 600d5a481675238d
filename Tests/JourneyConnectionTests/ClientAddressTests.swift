import HTTPTypes
import NIOCore
import NIOEmbedded
import Testing

@testable import JourneyConnection

@Suite struct ProxyProtocolHeaderTests {
    static func read(_ bytes: [UInt8]) throws -> (ProxyProtocolHeader?, rest: [UInt8]) {
        var buffer = ByteBuffer(bytes: bytes)
        let header = try ProxyProtocolHeader.read(from: &buffer)
        return (header, Array(buffer.readableBytesView))
    }

    @Test func readsVersion1() throws {
        let (header, rest) = try Self.read(Array("PROXY TCP4 203.0.113.7 10.0.0.1 51234 443\r\nGET /".utf8))
        #expect(header?.source == (try SocketAddress(ipAddress: "203.0.113.7", port: 51234)))
        #expect(rest == Array("GET /".utf8))
        let (six, _) = try Self.read(Array("PROXY TCP6 2001:db8::7 2001:db8::1 4000 80\r\n".utf8))
        #expect(six?.source == (try SocketAddress(ipAddress: "2001:db8::7", port: 4000)))
        let (unknown, _) = try Self.read(Array("PROXY UNKNOWN\r\n".utf8))
        #expect(unknown == ProxyProtocolHeader(source: nil))
    }

    /// Byte by byte: nothing is decided before the line is whole.
    @Test func aPartialHeaderWaitsForMore() throws {
        let line = Array("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n".utf8)
        for count in 0..<line.count {
            #expect(try Self.read(Array(line[..<count])).0 == nil, "at \(count)")
        }
    }

    @Test func readsVersion2() throws {
        var bytes = ProxyProtocolHeader.signature + [0x21, 0x11, 0x00, 0x0C + 3]
        bytes += [198, 51, 100, 9, 10, 0, 0, 1, 0x1F, 0x90, 0x01, 0xBB]
        bytes += [0x04, 0x00, 0x00]  // a TLV, skipped
        bytes += Array("GET".utf8)
        let (header, rest) = try Self.read(bytes)
        #expect(header?.source == (try SocketAddress(ipAddress: "198.51.100.9", port: 8080)))
        #expect(rest == Array("GET".utf8))

        var six = ProxyProtocolHeader.signature + [0x21, 0x21, 0x00, 36]
        six += [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [0x09]
        six += [UInt8](repeating: 0, count: 16) + [0x00, 0x50, 0x00, 0x50]
        #expect(try Self.read(six).0?.source == (try SocketAddress(ipAddress: "2001:db8::9", port: 80)))

        // LOCAL: the proxy's own health check, no client to name.
        let local = ProxyProtocolHeader.signature + [0x20, 0x00, 0x00, 0x00]
        #expect(try Self.read(local).0 == ProxyProtocolHeader(source: nil))
        // Still arriving.
        #expect(try Self.read(Array(bytes[..<20])).0 == nil)
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\n", "PROXY TCP4 1.2.3.4\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\n",
        "PROXY TCP4 ::1 ::1 1 1\r\n", "PROXY UDP4 1.2.3.4 5.6.7.8 1 1\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1 1\n",
        "PROXY " + String(repeating: "x", count: 120),
    ])
    func whatIsNotAHeaderIsRefused(text: String) {
        #expect(throws: ProxyProtocolHeader.Malformed.self) { try Self.read(Array(text.utf8)) }
    }

    @Test func aVersion2OfAnotherVersionOrCommandIsRefused() {
        #expect(throws: ProxyProtocolHeader.Malformed.self) {
            try Self.read(ProxyProtocolHeader.signature + [0x31, 0x11, 0x00, 0x00])
        }
        #expect(throws: ProxyProtocolHeader.Malformed.self) {
            try Self.read(ProxyProtocolHeader.signature + [0x22, 0x11, 0x00, 0x00])
        }
    }
}

@Suite struct ClientAddressHandlerTests {
    static let trusted = TrustedProxies(["10.0.0.0/8", "127.0.0.1"])!

    static func channel(peer: String, readsProxyHeader: Bool = true) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        channel.remoteAddress = try SocketAddress(ipAddress: peer, port: 40000)
        try channel.pipeline.syncOperations.addHandler(
            ClientAddressHandler(trustedProxies: Self.trusted, readsProxyHeader: readsProxyHeader)
        )
        return channel
    }

    @Test func theHeaderIsTakenOffAndNamesTheClient() throws {
        let channel = try Self.channel(peer: "10.1.1.1")
        channel.pipeline.fireChannelActive()
        try channel.writeInbound(ByteBuffer(string: "PROXY TCP4 203.0.113.7 10.0.0.1 5 80\r\nGET"))
        try channel.writeInbound(ByteBuffer(string: " / HTTP/1.1"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "GET"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: " / HTTP/1.1"))
        let handler = try #require(ClientAddressHandler.find(in: channel))
        #expect(handler.clientAddress(of: channel, fields: [:])?.ipAddress == "203.0.113.7")
        // A proxy named by the header is believed about the hops before it too.
        #expect(
            handler.clientAddress(of: channel, fields: [.xForwardedFor: "198.51.100.1"])?.ipAddress == "203.0.113.7"
        )
        _ = try channel.finish()
    }

    @Test func aHeaderFromAnUntrustedPeerIsRefused() throws {
        let channel = try Self.channel(peer: "192.0.2.50")
        channel.pipeline.fireChannelActive()
        #expect(!channel.isActive)
    }

    @Test func aConnectionWithoutTheHeaderIsClosed() throws {
        let channel = try Self.channel(peer: "127.0.0.1")
        channel.pipeline.fireChannelActive()
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(!channel.isActive)
    }

    @Test func withoutTheProxyProtocolForwardedFieldsOfTrustedPeersAreBelieved() throws {
        let channel = try Self.channel(peer: "127.0.0.1", readsProxyHeader: false)
        channel.pipeline.fireChannelActive()
        try channel.writeInbound(ByteBuffer(string: "GET"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "GET"))
        let handler = try #require(ClientAddressHandler.find(in: channel))
        #expect(
            handler.clientAddress(of: channel, fields: [.xForwardedFor: "198.51.100.1"])?.ipAddress == "198.51.100.1"
        )
        #expect(handler.clientAddress(of: channel, fields: [:])?.ipAddress == "127.0.0.1")
        _ = try channel.finish()
    }
}

@Suite struct TrustedProxiesTests {
    static let trusted = TrustedProxies(["10.0.0.0/8", "::1"])!
    static let proxy = try! SocketAddress(ipAddress: "10.0.0.5", port: 1)

    static func client(of peer: SocketAddress, _ fields: HTTPFields) -> String? {
        Self.trusted.client(of: peer, fields: fields)?.ipAddress
    }

    @Test func theFirstUntrustedHopFromTheRightIsTheClient() throws {
        // A client that writes its own X-Forwarded-For is not believed: the proxies append, the right is theirs.
        #expect(Self.client(of: Self.proxy, [.xForwardedFor: "6.6.6.6, 198.51.100.4, 10.0.0.9"]) == "198.51.100.4")
        #expect(Self.client(of: Self.proxy, [.xForwardedFor: "10.0.0.8, 10.0.0.9"]) == "10.0.0.8")
        // Several fields are one list.
        var fields = HTTPFields()
        fields.append(HTTPField(name: .xForwardedFor, value: "203.0.113.1"))
        fields.append(HTTPField(name: .xForwardedFor, value: "10.0.0.2"))
        #expect(Self.client(of: Self.proxy, fields) == "203.0.113.1")
    }

    @Test func anUntrustedPeerIsTheClientWhateverItSays() throws {
        let peer = try SocketAddress(ipAddress: "192.0.2.9", port: 1)
        #expect(Self.client(of: peer, [.xForwardedFor: "1.2.3.4"]) == "192.0.2.9")
        #expect(Self.client(of: peer, [.forwarded: "for=1.2.3.4"]) == "192.0.2.9")
    }

    @Test func forwardedIsReadAsRFC7239WritesIt() throws {
        #expect(
            Self.client(of: Self.proxy, [.forwarded: #"for="[2001:db8:cafe::17]:4711";proto=https"#])
                == "2001:db8:cafe::17"
        )
        #expect(Self.client(of: Self.proxy, [.forwarded: "for=192.0.2.43, for=10.0.0.3;by=10.0.0.1"]) == "192.0.2.43")
        #expect(Self.client(of: Self.proxy, [.forwarded: #"For="192.0.2.60:8080""#]) == "192.0.2.60")
        // Forwarded wins over X-Forwarded-For when both are there.
        #expect(Self.client(of: Self.proxy, [.forwarded: "for=192.0.2.1", .xForwardedFor: "192.0.2.2"]) == "192.0.2.1")
        // An obfuscated or unknown hop ends the walk at the proxy that wrote it.
        #expect(Self.client(of: Self.proxy, [.forwarded: "for=_hidden, for=10.0.0.4"]) == "10.0.0.4")
        #expect(Self.client(of: Self.proxy, [.forwarded: "for=unknown"]) == "10.0.0.5")
    }

    @Test func aPeerOnAUnixSocketIsAProxy() throws {
        let peer = try SocketAddress(unixDomainSocketPath: "/run/journey.sock")
        #expect(Self.trusted.trust(peer))
        #expect(Self.client(of: peer, [.xForwardedFor: "198.51.100.3"]) == "198.51.100.3")
    }

    @Test func networksAreCheckedWhenRead() {
        #expect(TrustedProxies(["10.0.0.0/33"]) == nil)
        #expect(TrustedProxies(["proxy.example"]) == nil)
        #expect(TrustedProxies(["::1", "192.168.0.0/16"]) != nil)
    }
}
