import JourneyCore

/// A request path made safe to join to a root: percent-decoded once, dot segments resolved, confined.
///
/// This is the only place a URL becomes a file name. Everything that could climb out of the root or
/// smuggle a separator is rejected here, as a pure function that the tests can throw any input at.
public struct RequestPath: Hashable, Sendable {
    /// The decoded segments, none empty, none `.` or `..`, none containing `/` or NUL.
    public let segments: [String]
    /// Whether the path ended in `/`: a directory was asked for explicitly.
    public let hasTrailingSlash: Bool

    /// Why a path cannot name a file under the root.
    public enum Rejection: Error, Hashable, Sendable {
        /// Malformed: bad percent-encoding, NUL, not absolute, or `..` above the root (nginx: 400).
        case malformed
        /// Well-formed but never served: an encoded `/` inside a segment, or a dotfile (404).
        case hidden
    }

    /// Resolves `encodedPath` (the request target's path, before `?`).
    ///
    /// - Parameter allowDotfiles: serve segments starting with `.` (off by default, like Caddy's `hide`).
    public static func resolve(_ encodedPath: some StringProtocol, allowDotfiles: Bool) -> Result<Self, Rejection> {
        let bytes = Array(encodedPath.utf8)
        guard bytes.first == UInt8(ascii: "/") else { return .failure(.malformed) }
        var segments: [String] = []
        var hidden = false
        // Split on the raw `/` first, then decode each segment once: an encoded slash stays inside its
        // segment, where it is refused, and `%2e%2e` decodes to `..`, which is then resolved as dots.
        for rawSegment in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            guard let decoded = PercentEncoding.decode(rawSegment) else { return .failure(.malformed) }
            if decoded.contains(0) { return .failure(.malformed) }
            if decoded.contains(UInt8(ascii: "/")) { hidden = true }
            guard let segment = String(validating: decoded, as: UTF8.self) else { return .failure(.malformed) }
            switch segment {
            case ".":
                continue
            case "..":
                guard !segments.isEmpty else { return .failure(.malformed) }
                segments.removeLast()
            default:
                if segment.hasPrefix(".") && !allowDotfiles { hidden = true }
                segments.append(segment)
            }
        }
        if hidden { return .failure(.hidden) }
        let trailing = bytes.last == UInt8(ascii: "/") || Self.endsWithDotSegment(bytes)
        return .success(RequestPath(segments: segments, hasTrailingSlash: trailing))
    }

    /// The path relative to the root, `a/b/c` (empty for the root itself).
    public var relative: String { self.segments.joined(separator: "/") }

    /// `/a/b/c/` style, percent-encoded again, for redirects and listings.
    public var encodedDirectory: String {
        "/" + self.segments.map { Self.percentEncode($0) + "/" }.joined()
    }

    /// Percent-encodes a segment so it is safe in a URL path and in an HTML attribute.
    public static func percentEncode(_ segment: String) -> String {
        var out = ""
        out.reserveCapacity(segment.utf8.count)
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(UnicodeScalar(hex[Int(byte >> 4)])) + String(UnicodeScalar(hex[Int(byte & 15)]))
            }
        }
        return out
    }

    private static func endsWithDotSegment(_ bytes: [UInt8]) -> Bool {
        // `/a/.` and `/a/..` name directories even without a trailing slash (RFC 3986 §5.2.4).
        guard let lastSlash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return false }
        let tail = bytes[(lastSlash + 1)...]
        guard let decoded = PercentEncoding.decode(tail) else { return false }
        return decoded == [UInt8(ascii: ".")] || decoded == [UInt8(ascii: "."), UInt8(ascii: ".")]
    }
}
