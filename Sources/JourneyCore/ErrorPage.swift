import HTTPTypes
import NIOCore

/// The small HTML page every 4xx and 5xx carries, so a browser shows more than a blank tab.
package enum ErrorPage {
    /// Builds the response for `status`, with `headerFields` added (Allow, Content-Range, …).
    package static func response(
        for status: HTTPResponse.Status,
        headerFields: HTTPFields = [:],
        detail: String? = nil
    ) -> Response {
        var fields = headerFields
        fields[.contentType] = "text/html; charset=utf-8"
        let html = Self.html(code: status.code, reasonPhrase: status.reasonPhrase, detail: detail)
        return Response(status: status, headerFields: fields, body: .bytes(ByteBuffer(string: html)))
    }

    /// The response for what a responder's future ended with: its own response, the page of an `HTTPError` it
    /// threw, or a 500 for any other error (handed to `unexpected`, to be logged).
    package static func response(
        for result: Result<Response, any Error>,
        unexpected: (any Error) -> Void
    ) -> Response {
        switch result {
        case .success(let response):
            return response
        case .failure(let error as HTTPError):
            return Self.response(for: error.status, headerFields: error.headerFields, detail: error.detail)
        case .failure(let error):
            unexpected(error)
            return Self.response(for: .internalServerError)
        }
    }

    /// The page's HTML for a status code and reason phrase.
    package static func html(code: Int, reasonPhrase: String, detail: String? = nil) -> String {
        let title = "\(code) \(reasonPhrase)"
        let explanation = detail.map { "<p>\($0.escapingHTML)</p>" } ?? ""
        return """
            <!DOCTYPE html>
            <html><head><title>\(title)</title></head>
            <body><h1>\(title)</h1>\(explanation)<hr><p>journey</p></body></html>

            """
    }
}
