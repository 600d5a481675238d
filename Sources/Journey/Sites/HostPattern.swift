/// A name a site answers to, as `Configuration.Site.hosts` writes it: exact, `*.` for the names under a domain,
/// `.` for the domain and the names under it.
struct HostPattern: Hashable, Sendable {
    /// How the pattern matches.
    enum Kind: Hashable, Sendable {
        /// The name itself.
        case exact
        /// Any name ending in `.` + the domain.
        case subdomains
        /// The domain and any name under it.
        case domainAndSubdomains
    }

    let kind: Kind
    /// The name, or the domain of a wildcard, lowercased and without a trailing dot.
    let name: String

    /// Reads a pattern; nil for one that is not a host name (empty labels, characters a name cannot have).
    init?(_ text: String) {
        var name = Substring(text.lowercased())
        if name.hasPrefix("*.") {
            self.kind = .subdomains
            name = name.dropFirst(2)
        } else if name.hasPrefix(".") {
            self.kind = .domainAndSubdomains
            name = name.dropFirst()
        } else {
            self.kind = .exact
        }
        if name.hasSuffix(".") { name = name.dropLast() }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let isName = labels.allSatisfy { label in
            !label.isEmpty
                && label.utf8.allSatisfy { byte in
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                        || byte == UInt8(ascii: "_")
                }
        }
        // An IP address is an exact name too; IPv6 literals are written in brackets, as Host carries them.
        let isIPv6 = self.kind == .exact && name.hasPrefix("[") && name.hasSuffix("]") && name.count > 2
        guard isName || isIPv6 else { return nil }
        self.name = String(name)
    }

    /// The host of a Host field or `:authority` as patterns compare it: lowercased, without port or trailing dot.
    static func normalized(_ authority: Substring) -> Substring {
        // By bytes: every character that matters here is ASCII, and Character comparisons are far slower.
        let bytes = authority.utf8
        var end = bytes.endIndex
        if bytes.first == UInt8(ascii: "[") {
            if let close = bytes.firstIndex(of: UInt8(ascii: "]")) { end = bytes.index(after: close) }
        } else if let colon = bytes.lastIndex(of: UInt8(ascii: ":")) {
            end = colon
        }
        if end > bytes.startIndex, bytes[bytes.index(before: end)] == UInt8(ascii: ".") {
            end = bytes.index(before: end)
        }
        return authority[bytes.startIndex..<end]
    }
}
