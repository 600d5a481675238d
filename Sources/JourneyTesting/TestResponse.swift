import Foundation
import HTTPTypes
import NIOCore
import NIOFoundationCompat

/// A response as a test sees it: status, fields and the whole body.
public struct TestResponse: Sendable {
    /// The status line's status.
    public var status: HTTPResponse.Status
    /// The fields, as sent.
    public var headerFields: HTTPFields
    /// The body, whole.
    public var body: ByteBuffer

    /// Creates a response; the test client builds these.
    public init(status: HTTPResponse.Status, headerFields: HTTPFields, body: ByteBuffer) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
    }

    /// The body as UTF-8 text.
    public var text: String { String(buffer: self.body) }

    /// The body decoded from JSON.
    public func decode<Value: Decodable>(as type: Value.Type, decoder: JSONDecoder = JSONDecoder()) throws -> Value {
        try decoder.decode(type, from: self.body)
    }
}
