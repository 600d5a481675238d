/// A file as the open-file cache keeps it: its representations built once, when it was looked up, so a
/// hit only picks one (no formatting, no syscall).
struct CachedResource: Sendable {
    /// The file itself.
    let identity: Representation
    /// Precompressed siblings, in Journey's order of preference.
    let siblings: [(coding: ContentCoding, representation: Representation)]

    init(_ file: OpenedFile) {
        let contentType = MediaType.forFileName(file.path)
        let varies = !file.siblings.isEmpty
        self.identity = file.representation(contentType: contentType, coding: nil, variesByEncoding: varies)
        self.siblings = file.siblings.map { sibling in
            (
                sibling.coding,
                sibling.file.representation(contentType: contentType, coding: sibling.coding, variesByEncoding: true)
            )
        }
    }

    /// The sibling the client accepts best, or the file itself.
    func representation(acceptEncoding: String?) -> Representation {
        guard !self.siblings.isEmpty, let acceptEncoding else { return self.identity }
        for coding in ContentCoding.acceptable(from: acceptEncoding) {
            if let sibling = self.siblings.first(where: { $0.coding == coding }) {
                return sibling.representation
            }
        }
        return self.identity
    }
}
