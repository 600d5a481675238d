/// An entity tag (RFC 9110 §8.8.3): an opaque validator, strong unless prefixed with `W/`.
public struct EntityTag: Hashable, Sendable {
    /// The characters between the quotes.
    public var opaque: String
    /// Weak tags only promise semantic equivalence and never match in a strong comparison.
    public var isWeak: Bool

    /// Creates a tag from its opaque part.
    public init(opaque: String, isWeak: Bool = false) {
        self.opaque = opaque
        self.isWeak = isWeak
    }

    /// The strong tag for a file: inode, size and modification time in hex, so any change to the
    /// file, or a different file put in its place, gives a different tag.
    public init(inode: UInt64, size: Int, modificationTime: Int) {
        let parts = [String(inode, radix: 16), String(size, radix: 16), String(modificationTime, radix: 16)]
        self.init(opaque: parts.joined(separator: "-"))
    }

    /// The header form: `"…"` or `W/"…"`.
    public var headerValue: String { (self.isWeak ? "W/\"" : "\"") + self.opaque + "\"" }

    /// Strong comparison (§8.8.3.2): both strong and the same characters.
    public func matchesStrongly(_ other: EntityTag) -> Bool {
        !self.isWeak && !other.isWeak && self.opaque == other.opaque
    }

    /// Weak comparison: the same characters, weakness ignored.
    public func matchesWeakly(_ other: EntityTag) -> Bool { self.opaque == other.opaque }

    /// A parsed `If-Match` / `If-None-Match` field value: `*` or a list of tags.
    public enum List: Hashable, Sendable {
        /// `*`: any current representation.
        case any
        /// The listed tags; malformed members are dropped, as nginx does.
        case tags([EntityTag])
    }

    /// Parses a field value such as `"a", W/"b"` or `*`; returns nil for a value with no valid member.
    public static func parseList(_ value: some StringProtocol) -> List? {
        let trimmed = value.trimmingSpaces
        if trimmed == "*" { return .any }
        var tags: [EntityTag] = []
        var rest = Substring(trimmed)
        while !rest.isEmpty {
            rest = Substring(rest.trimmingSpaces)
            if rest.first == "," {
                rest = rest.dropFirst()
                continue
            }
            var weak = false
            if rest.hasPrefix("W/") {
                weak = true
                rest = rest.dropFirst(2)
            }
            guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else { break }
            let opaque = rest[rest.index(after: rest.startIndex)..<close]
            tags.append(EntityTag(opaque: String(opaque), isWeak: weak))
            rest = rest[rest.index(after: close)...]
        }
        return tags.isEmpty ? nil : .tags(tags)
    }
}

extension StringProtocol {
    /// The value without leading and trailing spaces and tabs (HTTP's OWS).
    var trimmingSpaces: Substring {
        let string = Substring(self)
        guard let first = string.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = string.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return string[first...last]
    }
}
