import HTTPTypes
import JourneyCore

/// A file as the open-file cache keeps it: its representations built once, when it was looked up, so a
/// hit only picks one (no formatting, no syscall). A class, so that a hit, taken out under the cache's lock,
/// costs one retain rather than one for each string and buffer inside.
final class CachedResource: Sendable {
    /// The file itself.
    let identity: Representation
    /// Precompressed siblings, in Journey's order of preference.
    let siblings: [(coding: ContentCoding, representation: Representation)]

    /// The whole file's 200 laid out for the fast paths: in memory, or a file for sendfile.
    let prepared: PreparedResponse?

    init(_ file: OpenedFile, options: StaticFileOptions) {
        let cacheControl = options.cacheControl
        let contentType = MediaType.forFileName(file.path)
        let varies = !file.siblings.isEmpty
        self.identity = file.representation(contentType: contentType, coding: nil, variesByEncoding: varies)
        self.siblings = file.siblings.map { sibling in
            (
                sibling.coding,
                sibling.file.representation(contentType: contentType, coding: sibling.coding, variesByEncoding: true)
            )
        }
        // What a plain GET gets, made by the same function as every other answer, so the two cannot differ.
        // A file kept in memory but large enough for sendfile keeps its descriptor for plain HTTP/1.1's fast path.
        let sendsFile = file.contents != nil && options.sendfileMinimum.map { file.identity.size > $0 } == true
        self.prepared = PreparedResponse(
            RepresentationResponse.make(for: Self.plainGET, representation: self.identity, cacheControl: cacheControl),
            alsoIn: sendsFile ? FileSlice(file: file.file, offset: 0, count: file.identity.size) : nil
        )
    }

    private static let plainGET = Request(head: HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/"))

    /// Whether every file this entry sends by descriptor still holds its bytes (`FileSlice.isIntact`): one cut short
    /// in place would leave sendfile sending nothing, and the client waiting. The file itself is checked through
    /// `prepared.file` when it has one (not in memory, or kept beside its bytes for sendfile): one `fstat`.
    var isIntact: Bool {
        (self.prepared?.file?.isIntact ?? self.identity.isIntact)
            && self.siblings.allSatisfy { $0.representation.isIntact }
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
