import Foundation

/// An error as RFC 9457 describes it to a program: `application/problem+json` with a type, a title, the status
/// and what went wrong.
public struct ProblemDetails: Codable, Sendable, Hashable {
    /// A URI naming the kind of problem; `about:blank` when the status says it all (RFC 9457 §4.2.1).
    public var type: String
    /// The status's reason phrase, or a short summary of the kind of problem.
    public var title: String
    /// The HTTP status code, repeated for clients that keep the body apart from the response.
    public var status: Int
    /// What went wrong with this request, for the developer of the client.
    public var detail: String?
    /// A URI naming this occurrence: the request's path.
    public var instance: String?

    /// Creates a problem; `type` defaults to `about:blank` (RFC 9457 §4.2.1).
    public init(
        type: String = "about:blank",
        title: String,
        status: Int,
        detail: String? = nil,
        instance: String? = nil
    ) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
    }

    /// The media type problem details are sent as.
    public static let mediaType = "application/problem+json"

    /// The problem for `error`, as the request at `path` met it.
    init(_ error: HTTPError, instance: String?) {
        self.init(
            title: error.status.reasonPhrase,
            status: error.status.code,
            detail: error.detail,
            instance: instance
        )
    }

    /// The response carrying it, with `fields` (an error's `Allow`, `WWW-Authenticate`…).
    func response(headerFields fields: HTTPFields) -> Response {
        var fields = fields
        fields[.contentType] = Self.mediaType
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A final newline, as the HTML page has: a terminal shows the next prompt on a line of its own.
        var body = (try? encoder.encode(self)).map { ByteBuffer(bytes: $0) } ?? ByteBuffer()
        body.writeStaticString("\n")
        return Response(
            status: HTTPResponse.Status(code: self.status),
            headerFields: fields,
            body: .bytes(body)
        )
    }
}
