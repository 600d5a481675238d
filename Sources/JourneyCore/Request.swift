import HTTPTypes
import NIOCore

/// A parsed request as every stage after Parse sees it: the version-neutral head plus its decoded body.
///
/// HTTP/1 and later protocols meet here, so handlers never learn which wire format carried the request.
public struct Request: Sendable {
    /// The request head: method, target and fields (swift-http-types validates them at construction).
    public var head: HTTPRequest
    /// The protocol version the request arrived with; HTTP/1.0 changes keep-alive and caching rules.
    public var version: HTTPVersionNumber
    /// The body: collected within the route's limit before the handler runs, or streamed to it as it arrives
    /// (`RequestBodyPolicy`); empty when the request had none.
    public var body: RequestBody

    /// Creates a request; the Parse stage builds these, tests build them by hand.
    public init(head: HTTPRequest, version: HTTPVersionNumber = .http1_1, body: RequestBody = RequestBody()) {
        self.head = head
        self.version = version
        self.body = body
    }

    /// Creates a request whose body is `body`, in memory.
    public init(head: HTTPRequest, version: HTTPVersionNumber = .http1_1, body: ByteBuffer) {
        self.init(head: head, version: version, body: RequestBody(body))
    }

    /// Adds a piece of the body as it arrives; the first piece is kept as it is, without a copy.
    package mutating func receiveBody(_ piece: inout ByteBuffer) {
        self.body.append(&piece)
    }

    /// The path part of the target, without the query, still percent-encoded as it arrived.
    public var path: Substring {
        let target = self.head.path ?? "/"
        // Searching the UTF-8 view: `?` is ASCII, and Character comparison is far slower.
        if let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            return target[..<question]
        }
        return target[...]
    }

    /// The query part of the target (after `?`), if any.
    public var query: Substring? {
        guard let target = self.head.path, let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) else {
            return nil
        }
        return target[target.index(after: question)...]
    }
}

/// The HTTP version of a message, as two small integers (`major.minor`).
public struct HTTPVersionNumber: Hashable, Sendable, CustomStringConvertible {
    /// The major version: 1 for HTTP/1.x.
    public var major: Int
    /// The minor version: 0 or 1 for HTTP/1.x.
    public var minor: Int

    /// Creates a version from its two numbers.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// HTTP/1.0: connections close after each response unless the client asks for keep-alive.
    public static let http1_0 = HTTPVersionNumber(major: 1, minor: 0)
    /// HTTP/1.1: connections persist unless either side says `Connection: close`.
    public static let http1_1 = HTTPVersionNumber(major: 1, minor: 1)

    public var description: String { "HTTP/\(self.major).\(self.minor)" }
}
