/// RFC 3986 §2.1 percent-encoding, read strictly: the static files resolve paths with it and the pub/sub endpoint
/// its topics, so both refuse the same malformed escapes.
package enum PercentEncoding {
    /// The bytes `bytes` stand for, or nil when a `%` is not followed by two hex digits.
    ///
    /// Inlinable, so that callers in other modules get it specialised for their collection: unspecialised, its
    /// generic iteration allocated as it went (resolving a 35-byte request path took 114 allocations, now 30).
    @inlinable
    package static func decode(_ bytes: some Collection<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue)
            else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    /// The text `encoded` stands for, or nil when an escape is malformed or the bytes are not UTF-8. Text without a
    /// `%` is returned as it is, without decoding.
    package static func decode(_ encoded: Substring) -> String? {
        guard encoded.utf8.contains(UInt8(ascii: "%")) else { return String(encoded) }
        guard let bytes = Self.decode(encoded.utf8) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    @usableFromInline
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
