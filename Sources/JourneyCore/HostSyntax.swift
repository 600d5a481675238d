#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The grammar of a Host field's value and of an absolute target's authority: `uri-host [ ":" port ]`
/// (RFC 9112 §3.2, RFC 3986 §3.2.2–3.2.3).
///
/// A host that is not one is how requests are smuggled past virtual hosts and caches (a space, `/`, `@`, `?` or `#`
/// make a cache and the server disagree on what was asked for), so an HTTP/1.1 request carrying one is refused
/// with 400, as nginx does. The rules, byte for byte:
/// - `reg-name`: unreserved characters, sub-delims and `%XX` escapes (an IPv4 address is one of these);
/// - `IP-literal`: `[` an IPv6 address `]` (IPvFuture and zone identifiers are refused: nothing routes them);
/// - `port`: one to five digits, after a colon.
/// The empty value is valid: RFC 9112 §3.2 has a client send it when the target has no authority; a port with no
/// host before it is not.
package enum HostSyntax {
    /// Whether `bytes` (a field value with its surrounding blanks already trimmed) is `uri-host [ ":" port ]`.
    package static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")),
                Self.isIPv6Address(UnsafeRawBufferPointer(rebasing: bytes[1..<close]))
            else { return false }
            index = close + 1
        } else {
            while index < bytes.count, bytes[index] != UInt8(ascii: ":") {
                let byte = bytes[index]
                if byte == UInt8(ascii: "%") {
                    guard index + 2 < bytes.count, bytes[index + 1].isHexDigit, bytes[index + 2].isHexDigit else {
                        return false
                    }
                    index += 3
                    continue
                }
                guard byte.isRegisteredNameCharacter else { return false }
                index += 1
            }
        }
        guard index < bytes.count else { return true }
        // A port needs a host before it (RFC 9110 §4.2.1: an empty host is invalid), and can only follow it.
        guard index > 0, bytes[index] == UInt8(ascii: ":") else { return false }
        let digits = bytes.count - index - 1
        guard (1...5).contains(digits) else { return false }
        return bytes[(index + 1)...].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// Whether `value` is `uri-host [ ":" port ]`; read in place (no copy) when its bytes are contiguous, as a
    /// native string's are.
    package static func isValid(_ value: some StringProtocol) -> Bool {
        if let valid = value.utf8.withContiguousStorageIfAvailable({ Self.isValid(UnsafeRawBufferPointer($0)) }) {
            return valid
        }
        var copy = String(value)
        return copy.withUTF8 { Self.isValid(UnsafeRawBufferPointer($0)) }
    }

    /// Whether `bytes` are an IPv6 address in text (RFC 4291 §2.2), as the C library reads one.
    private static func isIPv6Address(_ bytes: UnsafeRawBufferPointer) -> Bool {
        // The longest form, eight groups with an IPv4 tail, is 45 bytes; inet_pton wants a C string.
        guard (2...45).contains(bytes.count),
            bytes.allSatisfy({ $0.isHexDigit || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
        else { return false }
        var text = [CChar](repeating: 0, count: bytes.count + 1)
        for (offset, byte) in bytes.enumerated() { text[offset] = CChar(bitPattern: byte) }
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            return true
        default:
            return false
        }
    }

    /// RFC 3986's unreserved characters and sub-delims: what a `reg-name` is made of, besides `%XX` escapes. A
    /// 128-bit set looked up with a shift: every request's Host goes through here (a `switch` of ranges cost ~20
    /// instructions a byte).
    fileprivate var isRegisteredNameCharacter: Bool {
        // ALPHA, DIGIT, "-" "." "_" "~", and "!" "$" "&" "'" "(" ")" "*" "+" "," ";" "=".
        let below64: UInt64 = 0x2BFF_7FD2_0000_0000
        let from64: UInt64 = 0x47FF_FFFE_87FF_FFFE
        switch self {
        case 0..<64: return below64 >> UInt64(self) & 1 == 1
        case 64..<128: return from64 >> UInt64(self - 64) & 1 == 1
        default: return false
        }
    }
}
