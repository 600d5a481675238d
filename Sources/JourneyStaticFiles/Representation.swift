import JourneyCore
import NIOCore

/// One selected representation of a resource: its validators, its metadata and where its bytes are.
///
/// Files on disk and the embedded site both become a `Representation`; conditionals, ranges and
/// HEAD are then applied the same way to either (nginx's filters, as one pure function).
public struct Representation: Sendable {
    /// Where the bytes are.
    public enum Source: Sendable {
        /// In memory (the embedded site, small files).
        case memory(ByteBuffer)
        /// In an open file, sent by sendfile where the connection allows it.
        case file(OpenFile)
    }

    /// The bytes' source.
    public var source: Source
    /// The representation's length in bytes (of the encoded bytes when `contentCoding` is set).
    public var size: Int
    /// Content-Type of the resource (of the original, not of the compressed sibling).
    public var contentType: String
    /// Set when the bytes are a precompressed sibling: becomes Content-Encoding.
    public var contentCoding: ContentCoding?
    /// Whether the resource has precompressed siblings, so caches must key on Accept-Encoding.
    public var variesByEncoding: Bool
    /// The strong validator.
    public var entityTag: EntityTag
    /// Last modification, seconds since the epoch.
    public var lastModified: Int

    /// Creates a representation.
    public init(
        source: Source,
        size: Int,
        contentType: String,
        contentCoding: ContentCoding? = nil,
        variesByEncoding: Bool = false,
        entityTag: EntityTag,
        lastModified: Int
    ) {
        self.source = source
        self.size = size
        self.contentType = contentType
        self.contentCoding = contentCoding
        self.variesByEncoding = variesByEncoding
        self.entityTag = entityTag
        self.lastModified = lastModified
    }

    /// The bytes `range` of the representation as a body part.
    func part(_ range: Range<Int>) -> ResponseBodyPart {
        switch self.source {
        case .memory(let buffer):
            return .bytes(buffer.getSlice(at: buffer.readerIndex + range.lowerBound, length: range.count)!)
        case .file(let file):
            return .file(FileSlice(file: file, offset: range.lowerBound, count: range.count))
        }
    }
}
