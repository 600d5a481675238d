import HTTPTypes
import NIOCore

/// A response laid out as HTTP/1.1 bytes in advance (its fields kept for HTTP/2 too), so that a hot file costs a
/// request no field formatting and no allocation: the Write stage sends `head`, the `Date` line, the blank line and
/// `body` (or `file`) as they are.
public struct PreparedResponse: Sendable {
    /// The status line and every field but `Date` and `Connection`, each line ending in CRLF.
    public var head: ByteBuffer { self.storage.head }
    /// The content, sent as it is; empty when it is only in `file`.
    public var body: ByteBuffer { self.storage.body }
    /// The content in an open file, when there is one to hand to the kernel: a connection that can (sendfile)
    /// writes `head` and the file. When the content is only there (`bodyIsInMemory` false), one that cannot
    /// (behind TLS, HTTP/2) takes the full path, which reads it.
    public var file: FileSlice? { self.storage.file }
    /// The status code, for the journey and the access log.
    public var status: Int { self.storage.status }
    /// The fields of `head` (every one but `Date` and `Connection`), for a protocol that encodes its own head
    /// (HTTP/2's HPACK).
    public var fields: HTTPFields { self.storage.fields }
    /// Tells this response and its copies from every other one, so its bytes can be laid out once and kept (as
    /// HTTP/1.1's fast path keeps them, whole, for a second): while anything holds it, no other response has it.
    public var cacheKey: CacheKey { self.storage.cacheKey }

    /// What `cacheKey` is: an object of its own, compared by `ObjectIdentifier`.
    public final class CacheKey: Sendable {
        fileprivate init() {}
    }

    /// The parts, in one object: a hot file's response is copied out of the open-file cache for every request, and
    /// copying one reference costs one retain where copying the parts cost one for each buffer, file and field list.
    private let storage: Storage

    private final class Storage: Sendable {
        let head: ByteBuffer
        let body: ByteBuffer
        let file: FileSlice?
        let status: Int
        let fields: HTTPFields
        let cacheKey = CacheKey()

        init(head: ByteBuffer, body: ByteBuffer, file: FileSlice?, status: Int, fields: HTTPFields) {
            self.head = head
            self.body = body
            self.file = file
            self.status = status
            self.fields = fields
        }
    }

    /// How many bytes of content follow the head.
    public var contentLength: Int { self.file?.count ?? self.body.readableBytes }
    /// Whether `body` holds the whole content (else it is only in `file`).
    public var bodyIsInMemory: Bool { self.body.readableBytes == self.contentLength }

    /// `response` laid out, finished as the Write stage finishes a response (`FinishedResponse`); nil when its
    /// body is in parts (`multipart/byteranges`), its fields decide the connection's fate (`Connection`), or its
    /// status has no reason phrase. `file`, when given, holds the same bytes as a body in memory, for connections
    /// that send it by sendfile.
    public init?(_ response: Response, alsoIn file: FileSlice? = nil) {
        var body = ByteBuffer()
        var file = file
        switch response.body {
        case .empty: break
        case .bytes(let bytes): body = bytes
        case .file(let slice): file = slice
        case .parts, .stream: return nil
        }
        if let file, body.readableBytes > 0, file.count != body.readableBytes { return nil }
        guard response.head.headerFields[.connection] == nil, response.head.headerFields[.date] == nil else {
            return nil
        }
        // The Write stage's rules, applied once here (to the content `file` holds when the body is not in memory).
        let content: ResponseBody = body.readableBytes == 0 && file != nil ? .file(file!) : .bytes(body)
        let finished = FinishedResponse(Response(head: response.head, body: content), answering: .get, date: nil)
        // A status without content (304, 204) is answered by the full path.
        guard finished.body.count == content.count else { return nil }
        let fields = finished.head.headerFields
        let status = response.head.status
        guard !status.reasonPhrase.isEmpty else { return nil }
        var head = ByteBuffer(string: "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n")
        for field in fields {
            head.writeString(field.name.rawName)
            head.writeStaticString(": ")
            head.writeString(field.value)
            head.writeStaticString("\r\n")
        }
        self.storage = Storage(head: head, body: body, file: file, status: status.code, fields: fields)
    }
}
