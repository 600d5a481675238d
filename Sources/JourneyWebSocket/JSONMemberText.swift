#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The text of one member's value in a JSON object, exactly as it was written: a pub/sub publish relays `data`
/// byte for byte, so key order, number spelling and precision (a nanosecond timestamp is past 2^53) survive.
///
/// It only walks text that `JSONDecoder` has already accepted, so it finds value boundaries and never judges
/// validity.
struct JSONMemberText {
    private let bytes: [UInt8]
    private var index = 0

    /// The raw text of the last `key` member of the top-level object in `json` (the last, as a parser keeps), or
    /// nil when there is none.
    static func value(of key: String, in json: [UInt8]) -> ArraySlice<UInt8>? {
        var scanner = JSONMemberText(bytes: json)
        return scanner.lastValue(of: Array(key.utf8))
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func lastValue(of key: [UInt8]) -> ArraySlice<UInt8>? {
        self.skipWhitespace()
        guard self.take(UInt8(ascii: "{")) else { return nil }
        var found: ArraySlice<UInt8>?
        while self.index < self.bytes.count {
            self.skipWhitespace()
            guard let name = self.string() else { return found }
            self.skipWhitespace()
            guard self.take(UInt8(ascii: ":")) else { return found }
            self.skipWhitespace()
            let start = self.index
            self.skipValue()
            if Self.spells(key, name) { found = self.bytes[start..<self.index] }
            self.skipWhitespace()
            guard self.take(UInt8(ascii: ",")) else { return found }
        }
        return found
    }

    /// Whether the string token `token` (quotes included) is `key`, escapes (`"d\u0061ta"`) read as JSON reads them.
    private static func spells(_ key: [UInt8], _ token: ArraySlice<UInt8>) -> Bool {
        guard token.contains(UInt8(ascii: "\\")) else { return token.dropFirst().dropLast().elementsEqual(key) }
        return (try? JSONDecoder().decode(String.self, from: Data(token))).map { Array($0.utf8) == key } ?? false
    }

    /// A string token with its quotes, escapes left as written.
    private mutating func string() -> ArraySlice<UInt8>? {
        guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else { return nil }
        let start = self.index
        self.index += 1
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case UInt8(ascii: "\\"): self.index += 2
            case UInt8(ascii: "\""):
                self.index += 1
                return self.bytes[start..<self.index]
            default: self.index += 1
            }
        }
        return nil
    }

    /// Moves past one value: a string, an object or array (nested ones and the strings in them included), or a
    /// number or literal.
    private mutating func skipValue() {
        var depth = 0
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case UInt8(ascii: "\""):
                _ = self.string()
                if depth == 0 { return }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return }
                depth -= 1
                if depth == 0 {
                    self.index += 1
                    return
                }
            case UInt8(ascii: ","):
                if depth == 0 { return }
            case let byte where Self.isWhitespace(byte):
                if depth == 0 { return }
            default: break
            }
            self.index += 1
        }
    }

    private mutating func skipWhitespace() {
        while self.index < self.bytes.count, Self.isWhitespace(self.bytes[self.index]) { self.index += 1 }
    }

    /// JSON's four whitespace bytes (RFC 8259 §2).
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
            || byte == UInt8(ascii: "\r")
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard self.index < self.bytes.count, self.bytes[self.index] == byte else { return false }
        self.index += 1
        return true
    }
}
