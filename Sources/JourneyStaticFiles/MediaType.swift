/// The Content-Type of a file, chosen from its extension as nginx's `types` block does.
public enum MediaType {
    /// The type for names with no known extension; browsers then download rather than render.
    public static let fallback = "application/octet-stream"

    /// The Content-Type for `fileName`: the table's type, with `; charset=utf-8` on textual types.
    public static func forFileName(_ fileName: some StringProtocol) -> String {
        guard let dot = fileName.lastIndex(of: "."), dot != fileName.startIndex else {
            return Self.fallback
        }
        let ext = fileName[fileName.index(after: dot)...].lowercased()
        guard let type = Self.byExtension[ext] else {
            return Self.fallback
        }
        return Self.isTextual(type) ? type + "; charset=utf-8" : type
    }

    /// Textual types whose bytes are text in a charset: nginx's `charset_types` plus every `text/*`.
    static func isTextual(_ type: String) -> Bool {
        type.hasPrefix("text/") || type == "application/json" || type == "application/xml"
            || type == "application/rss+xml" || type == "application/atom+xml"
            || type == "application/manifest+json" || type == "application/ld+json" || type == "image/svg+xml"
            || type == "application/xhtml+xml" || type == "application/yaml" || type == "application/toml"
    }
}
