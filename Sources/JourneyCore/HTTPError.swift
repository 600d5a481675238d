import HTTPTypes

/// An error that carries the HTTP status it should be answered with.
///
/// Handlers throw it to answer with an error page; anything else thrown becomes 500 and is logged.
public struct HTTPError: Error, Sendable, Hashable {
    /// The status the client receives.
    public var status: HTTPResponse.Status
    /// Extra fields for the error response, such as `Allow` on 405 or `Content-Range` on 416.
    public var headerFields: HTTPFields

    /// Creates an error answered with `status` and `headerFields`.
    public init(_ status: HTTPResponse.Status, headerFields: HTTPFields = [:]) {
        self.status = status
        self.headerFields = headerFields
    }
}
