import HTTPTypes
import JourneyCore
import NIOCore

/// Builds the response for a GET or HEAD of a representation: validators, conditionals, ranges, HEAD.
///
/// nginx does this in separate filters (not_modified, range, headers); here it is one pure function
/// of the request and the representation, so that every static source answers identically.
public enum RepresentationResponse {
    /// The response to `request` for `representation`; `cacheControl` is added when set.
    public static func make(
        for request: Request,
        representation: Representation,
        cacheControl: String? = nil
    ) -> Response {
        let fields = request.head.headerFields
        let isHead = request.head.method == .head
        var head = HTTPFields()
        head.reserveCapacity(8)
        head[.contentType] = representation.contentType
        head[.eTag] = representation.entityTagValue
        head[.lastModified] = representation.lastModifiedValue
        head[.acceptRanges] = "bytes"
        if let coding = representation.contentCoding { head[.contentEncoding] = coding.rawValue }
        if representation.variesByEncoding { head[.vary] = "Accept-Encoding" }
        if let cacheControl { head[.cacheControl] = cacheControl }

        let conditions = Preconditions.Fields(
            ifMatch: fields[.ifMatch],
            ifNoneMatch: fields[.ifNoneMatch],
            ifModifiedSince: fields[.ifModifiedSince],
            ifUnmodifiedSince: fields[.ifUnmodifiedSince]
        )
        switch Preconditions.evaluate(
            conditions,
            entityTag: representation.entityTag,
            lastModified: representation.lastModified,
            isSafeRead: true
        ) {
        case .notModified:
            // §15.4.5: a 304 carries the validators and Vary/Cache-Control, but no content fields.
            head[.contentType] = nil
            head[.acceptRanges] = nil
            head[.contentEncoding] = nil
            return Response(status: .notModified, headerFields: head)
        case .preconditionFailed:
            return ErrorPage.response(for: .preconditionFailed)
        case .proceed:
            break
        }

        // §14.2: Range is defined for GET only; If-Range turns it off when the validator changed.
        var selection = ByteRange.Selection.whole
        if request.head.method == .get, let range = fields[.range],
            Self.ifRangeHolds(fields[.ifRange], representation: representation)
        {
            selection = ByteRange.select(range, length: representation.size)
        }
        switch selection {
        case .whole:
            head[.contentLength] = representation.sizeValue
            let body: ResponseBody = isHead || representation.size == 0 ? .empty : Self.body(of: representation)
            return Response(status: .ok, headerFields: head, body: body)
        case .unsatisfiable:
            var errorFields = HTTPFields()
            errorFields[.contentRange] = "bytes */\(representation.size)"
            return ErrorPage.response(for: .rangeNotSatisfiable, headerFields: errorFields)
        case .ranges(let ranges) where ranges.count == 1:
            let range = ranges[0]
            head[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(representation.size)"
            head[.contentLength] = String(range.count)
            return Response(status: .partialContent, headerFields: head, body: Self.partBody(representation, range))
        case .ranges(let ranges):
            return Self.multipart(ranges, representation: representation, head: head)
        }
    }

    private static func body(of representation: Representation) -> ResponseBody {
        switch representation.source {
        case .memory(let buffer): return .bytes(buffer)
        case .file(let file): return .file(FileSlice(file: file, offset: 0, count: representation.size))
        }
    }

    private static func partBody(_ representation: Representation, _ range: Range<Int>) -> ResponseBody {
        switch representation.part(range) {
        case .bytes(let buffer): return .bytes(buffer)
        case .file(let slice): return .file(slice)
        }
    }

    /// `multipart/byteranges` (§14.6): each part with its own Content-Type and Content-Range.
    private static func multipart(
        _ ranges: [Range<Int>],
        representation: Representation,
        head: HTTPFields
    )
        -> Response
    {
        var head = head
        let boundary = Self.makeBoundary()
        var parts: [ResponseBodyPart] = []
        parts.reserveCapacity(ranges.count * 2 + 1)
        for range in ranges {
            let partHead =
                "\r\n--\(boundary)\r\nContent-Type: \(representation.contentType)\r\n"
                + "Content-Range: bytes \(range.lowerBound)-\(range.upperBound - 1)/\(representation.size)\r\n\r\n"
            parts.append(.bytes(ByteBuffer(string: partHead)))
            parts.append(representation.part(range))
        }
        parts.append(.bytes(ByteBuffer(string: "\r\n--\(boundary)--\r\n")))
        let body = ResponseBody.parts(parts)
        head[.contentType] = "multipart/byteranges; boundary=\(boundary)"
        head[.contentLength] = String(body.count)
        return Response(status: .partialContent, headerFields: head, body: body)
    }

    /// If-Range (§13.1.5): an entity tag must match strongly, a date must equal Last-Modified exactly.
    static func ifRangeHolds(_ ifRange: String?, representation: Representation) -> Bool {
        guard let ifRange = ifRange?.trimmingSpaces, !ifRange.isEmpty else { return true }
        if ifRange.hasPrefix("\"") || ifRange.hasPrefix("W/") {
            guard case .tags(let tags) = EntityTag.parseList(ifRange), tags.count == 1 else { return false }
            return tags[0].matchesStrongly(representation.entityTag)
        }
        return HTTPDate.parse(ifRange) == representation.lastModified
    }

    private static func makeBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        return String((0..<24).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}
