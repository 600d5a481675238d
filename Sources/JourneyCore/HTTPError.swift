import HTTPTypes

/// An error that carries the HTTP status it should be answered with.
///
/// Handlers throw it to answer with an error: problem details (RFC 9457) for a client that takes JSON, an HTML page
/// otherwise. Anything else thrown becomes a 500, logged, and its description never reaches the client.
public struct HTTPError: Error, Sendable, Hashable {
    /// The status the client receives.
    public var status: HTTPResponse.Status
    /// Extra fields for the error response, such as `Allow` on 405 or `Content-Range` on 416.
    public var headerFields: HTTPFields
    /// What the client did wrong, in a sentence meant for its developer (problem details' `detail`); nil for none.
    public var detail: String?

    /// Creates an error answered with `status` and `headerFields`, and `detail` when the client should learn more
    /// than the status says.
    public init(_ status: HTTPResponse.Status, headerFields: HTTPFields = [:], detail: String? = nil) {
        self.status = status
        self.headerFields = headerFields
        self.detail = detail
    }
}
