import NIOCore

/// What a route handler may return: anything that knows the response it stands for.
///
/// `Response`, `String` (text/plain), `ByteBuffer` (application/octet-stream), an `HTTPResponse.Status` (no body),
/// an optional of any of them (nil is 204 No Content), and every `ResponseEncodable` (JSON).
public protocol ResponseConvertible: Sendable {
    /// The response for `request`; a throw is rendered as any handler's error is.
    func response(to request: Request, context: RequestContext) throws -> Response
}

extension Response: ResponseConvertible {
    /// The response itself.
    public func response(to request: Request, context: RequestContext) -> Response { self }
}

extension String: ResponseConvertible {
    /// A `text/plain; charset=utf-8` response with the text.
    public func response(to request: Request, context: RequestContext) -> Response { .text(self) }
}

extension ByteBuffer: ResponseConvertible {
    /// An `application/octet-stream` response with the bytes.
    public func response(to request: Request, context: RequestContext) -> Response {
        Response(status: .ok, headerFields: [.contentType: "application/octet-stream"], body: .bytes(self))
    }
}

extension HTTPResponse.Status: ResponseConvertible {
    /// A response with this status and no body.
    public func response(to request: Request, context: RequestContext) -> Response { Response(status: self) }
}

extension Optional: ResponseConvertible where Wrapped: ResponseConvertible {
    /// The wrapped value's response, or 204 No Content for nil.
    public func response(to request: Request, context: RequestContext) throws -> Response {
        guard let self else { return Response(status: .noContent) }
        return try self.response(to: request, context: context)
    }
}
