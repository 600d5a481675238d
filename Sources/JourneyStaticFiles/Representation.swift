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
    public let source: Source
    /// The representation's length in bytes (of the encoded bytes when `contentCoding` is set).
    public let size: Int
    /// Content-Type of the resource (of the original, not of the compressed sibling).
    public let contentType: String
    /// Set when the bytes are a precompressed sibling: becomes Content-Encoding.
    public let contentCoding: ContentCoding?
    /// Whether the resource has precompressed siblings, so caches must key on Accept-Encoding.
    public let variesByEncoding: Bool
    /// The strong validator.
    public let entityTag: EntityTag
    /// Last modification, seconds since the epoch.
    public let lastModified: Int
    /// `entityTag` and `lastModified` as field values, formatted once rather than once per response.
    let entityTagValue: String
    let lastModifiedValue: String
    let sizeValue: String

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
        self.entityTagValue = entityTag.headerValue
        self.lastModifiedValue = HTTPDate.format(lastModified)
        self.sizeValue = String(size)
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

extension Representation {
    /// Whether the bytes are all still there: always in memory; in a file, see `FileSlice.isIntact`.
    var isIntact: Bool {
        switch self.source {
        case .memory: return true
        case .file(let file): return FileSlice(file: file, offset: 0, count: self.size).isIntact
        }
    }
}
