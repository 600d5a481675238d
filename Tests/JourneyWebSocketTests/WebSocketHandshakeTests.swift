import HTTPTypes
import JourneyCore
import NIOHTTP1
import Testing

@testable import JourneyWebSocket

@Suite struct WebSocketHandshakeTests {
    static func head(
        method: HTTPMethod = .GET,
        version: HTTPVersion = .http1_1,
        _ fields: [(String, String)] = WebSocketHandshakeTests.valid
    ) -> HTTPRequestHead {
        HTTPRequestHead(version: version, method: method, uri: "/ws", headers: HTTPHeaders(fields))
    }

    static let valid = [
        ("Host", "example.com"), ("Upgrade", "websocket"), ("Connection", "keep-alive, Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
    ]

    static func replacing(_ name: String, with value: String?) -> [(String, String)] {
        var fields = Self.valid.filter { $0.0 != name }
        if let value { fields.append((name, value)) }
        return fields
    }

    @Test func aValidHandshakePasses() {
        #expect(WebSocketHandshake.problem(with: Self.head()) == nil)
        // Tokens are case-insensitive (RFC 6455 §4.2.1 items 3 and 4).
        let shouted = Self.replacing("Upgrade", with: "WebSocket")
        #expect(WebSocketHandshake.problem(with: Self.head(shouted)) == nil)
    }

    @Test(arguments: [
        (Self.head(method: .POST), HTTPResponse.Status.badRequest),
        (Self.head(version: .http1_0), .badRequest),
        (Self.head(Self.replacing("Connection", with: "keep-alive")), .badRequest),
        (Self.head(Self.replacing("Upgrade", with: "h2c")), .badRequest),
        (Self.head(Self.replacing("Sec-WebSocket-Key", with: nil)), .badRequest),
        (Self.head(Self.replacing("Sec-WebSocket-Key", with: "short")), .badRequest),
        (Self.head(Self.valid + [("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")]), .badRequest),
        (Self.head(Self.replacing("Sec-WebSocket-Version", with: "8")), .upgradeRequired),
        (Self.head(Self.replacing("Sec-WebSocket-Version", with: nil)), .upgradeRequired),
    ])
    func anInvalidHandshakeGetsTheRFCsStatus(head: HTTPRequestHead, status: HTTPResponse.Status) {
        let problem = WebSocketHandshake.problem(with: head)
        #expect(problem?.status == status)
        if status == .upgradeRequired {
            // RFC 6455 §4.4: say which version is spoken.
            #expect(problem?.headerFields[.secWebSocketVersion] == "13")
        }
    }

    @Test func aNonceIsBase64OfSixteenBytes() {
        #expect(WebSocketHandshake.isNonce("dGhlIHNhbXBsZSBub25jZQ=="))
        #expect(!WebSocketHandshake.isNonce("dGhlIHNhbXBsZSBub25jZQ="))
        #expect(!WebSocketHandshake.isNonce("dGhlIHNhbXBsZSBub25jZ!=="))
        #expect(!WebSocketHandshake.isNonce(""))
    }

    @Test func listFieldsAreSplitAndTrimmed() {
        let head = Self.head(
            Self.valid + [("Sec-WebSocket-Protocol", "chat ,\tsuperchat"), ("Sec-WebSocket-Protocol", "v2")]
        )
        #expect(WebSocketHandshake.listValues("sec-websocket-protocol", in: head) == ["chat", "superchat", "v2"])
    }
}
