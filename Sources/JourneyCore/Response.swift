import HTTPTypes
import NIOCore

/// What a handler answers: a status line and fields, and a body the Write stage knows how to send.
public struct Response: Sendable {
    /// Status and fields; the Write stage adds Date, Server, Content-Length and Connection.
    public var head: HTTPResponse
    /// The body; a `.file` body travels by sendfile where the connection allows it.
    public var body: ResponseBody
    /// Which configured rule gave or shaped this answer (`redirect /old/`, `refused:auth /admin/`), for the journey
    /// log line and Server-Timing; nil when none did.
    package var rule: String?

    /// Creates a response from a head and a body.
    public init(head: HTTPResponse, body: ResponseBody = .empty) {
        self.head = head
        self.body = body
    }

    /// Creates a response with a status, optional fields and a body.
    public init(status: HTTPResponse.Status, headerFields: HTTPFields = [:], body: ResponseBody = .empty) {
        self.head = HTTPResponse(status: status, headerFields: headerFields)
        self.body = body
    }

    /// A text response with `text/plain; charset=utf-8`.
    public static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headerFields: [.contentType: "text/plain; charset=utf-8"],
            body: .bytes(ByteBuffer(string: text))
        )
    }
}
