import Foundation
import NIOCore
import NIOFoundationCompat

extension Response {
    /// A JSON response with `value` encoded by `encoder` (`application/json`).
    ///
    /// Encoding writes straight into the response's buffer; a value that cannot be encoded throws, which the
    /// router answers 500 and logs.
    public static func json(
        _ value: some Encodable,
        status: HTTPResponse.Status = .ok,
        headerFields: HTTPFields = [:],
        encoder: JSONEncoder = Response.jsonEncoder
    ) throws -> Response {
        var buffer = ByteBuffer()
        try encoder.encode(value, into: &buffer)
        var fields = headerFields
        fields[.contentType] = "application/json"
        return Response(status: status, headerFields: fields, body: .bytes(buffer))
    }

    /// The encoder `json(_:status:headerFields:encoder:)` uses by default: Foundation's defaults, slashes unescaped.
    public static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }()
}
