import HTTPTypes
import JourneyCore
import NIOHTTP1

/// The rules an opening handshake must meet before any route sees it (RFC 6455 §4.2.1), as a pure check.
///
/// NIO's upgrader checks the key and version too, but answers a failure by dropping the connection; checking
/// first gives the client the status the RFC asks for: 426 with the supported version when the version is
/// wrong (§4.4), 400 when the request is not a valid handshake.
enum WebSocketHandshake {
    /// The one protocol version there is (RFC 6455 §4.1).
    static let version = "13"

    /// Nil when `head` is a valid opening handshake, else the error to answer with.
    static func problem(with head: HTTPRequestHead) -> HTTPError? {
        guard head.method == .GET, head.version.major == 1, head.version.minor >= 1 else {
            return HTTPError(.badRequest)
        }
        let upgrade = head.headers[canonicalForm: "upgrade"].map { $0.lowercased() }
        let connection = head.headers[canonicalForm: "connection"].map { $0.lowercased() }
        guard upgrade.contains("websocket"), connection.contains("upgrade") else {
            return HTTPError(.badRequest)
        }
        let versions = head.headers["sec-websocket-version"]
        guard versions.count == 1, versions[0].trimmingASCIISpaces == Self.version else {
            return HTTPError(.upgradeRequired, headerFields: [.secWebSocketVersion: Self.version])
        }
        let keys = head.headers["sec-websocket-key"]
        guard keys.count == 1, Self.isNonce(keys[0].trimmingASCIISpaces) else {
            return HTTPError(.badRequest)
        }
        return nil
    }

    /// Whether `key` is base64 of 16 bytes: 22 base64 characters and `==` (RFC 6455 §4.1, item 7).
    static func isNonce(_ key: Substring) -> Bool {
        let bytes = Array(key.utf8)
        guard bytes.count == 24, bytes[22] == UInt8(ascii: "="), bytes[23] == UInt8(ascii: "=") else { return false }
        return bytes[..<22].allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                return true
            default:
                return false
            }
        }
    }

    /// The values of a comma-separated list field, each trimmed (`Sec-WebSocket-Protocol: chat, superchat`).
    static func listValues(_ name: String, in head: HTTPRequestHead) -> [Substring] {
        head.headers[name].flatMap { $0.split(separator: ",") }.map(\.trimmingASCIISpaces).filter { !$0.isEmpty }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (optional whitespace, RFC 9110 §5.6.3).
    var trimmingASCIISpaces: Substring {
        var text = self[...]
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return Substring(text)
    }
}
