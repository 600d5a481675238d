import HTTPTypes
import NIOCore

/// Sends requests to the router under test, in the mode the test chose, and hands back whole responses.
public struct TestClient: Sendable {
    private let send: @Sendable (HTTPRequest, ByteBuffer) async throws -> TestResponse

    init(send: @escaping @Sendable (HTTPRequest, ByteBuffer) async throws -> TestResponse) {
        self.send = send
    }

    /// Sends `method` `path` (with its query) with `headerFields` and `body`, and waits for the whole response.
    public func execute(
        _ path: String,
        method: HTTPRequest.Method = .get,
        headerFields: HTTPFields = [:],
        body: ByteBuffer = ByteBuffer()
    ) async throws -> TestResponse {
        let head = HTTPRequest(
            method: method,
            scheme: "http",
            authority: "localhost",
            path: path,
            headerFields: headerFields
        )
        return try await self.send(head, body)
    }

    /// Sends `method` `path` with a text body.
    public func execute(
        _ path: String,
        method: HTTPRequest.Method,
        headerFields: HTTPFields = [:],
        body: String
    ) async throws -> TestResponse {
        try await self.execute(path, method: method, headerFields: headerFields, body: ByteBuffer(string: body))
    }
}
