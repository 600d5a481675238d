import HTTPTypes
import NIOCore

/// The small HTML page every 4xx and 5xx carries, so a browser shows more than a blank tab.
public enum ErrorPage {
    /// Builds the response for `status`, with `headerFields` added (Allow, Content-Range, …).
    public static func response(for status: HTTPResponse.Status, headerFields: HTTPFields = [:]) -> Response {
        var fields = headerFields
        fields[.contentType] = "text/html; charset=utf-8"
        let html = Self.html(code: status.code, reasonPhrase: status.reasonPhrase)
        return Response(status: status, headerFields: fields, body: .bytes(ByteBuffer(string: html)))
    }

    /// The page's HTML for a status code and reason phrase.
    public static func html(code: Int, reasonPhrase: String) -> String {
        let title = "\(code) \(reasonPhrase)"
        return """
            <!DOCTYPE html>
            <html><head><title>\(title)</title></head>
            <body><h1>\(title)</h1><hr><p>journey</p></body></html>

            """
    }
}
