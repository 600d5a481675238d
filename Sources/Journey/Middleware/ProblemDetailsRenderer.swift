import JourneyCore

/// The default `ErrorRenderer`: RFC 9457 problem details for clients that take JSON, Journey's HTML page for those
/// that prefer HTML (browsers), and a 500 that is logged and says nothing of its cause for anything not an
/// `HTTPError`.
///
/// A client that does not say (`Accept: */*`, or no `Accept`) gets problem details: it is a program more often than
/// a person, and a browser always says.
public struct ProblemDetailsRenderer: ErrorRenderer {
    /// Creates the renderer.
    public init() {}

    public func response(for error: any Error, to request: Request, context: RequestContext) -> Response {
        let httpError: HTTPError
        if let error = error as? HTTPError {
            httpError = error
        } else {
            context.logger.error(
                "handler failed",
                metadata: ["request": "\(request.head.method) \(request.head.path ?? "/")", "error": "\(error)"]
            )
            httpError = HTTPError(.internalServerError)
        }
        if MediaRangePreference(request.head.headerFields[.accept]).prefersHTMLToJSON {
            return ErrorPage.response(
                for: httpError.status,
                headerFields: httpError.headerFields,
                detail: httpError.detail
            )
        }
        return ProblemDetails(httpError, instance: String(request.path)).response(headerFields: httpError.headerFields)
    }
}
