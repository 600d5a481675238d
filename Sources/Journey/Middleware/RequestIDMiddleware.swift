import JourneyCore
import Logging

/// Gives every request an id: the client's (or a proxy's) `X-Request-ID` when it sent a usable one, a new one
/// otherwise. The id is in `context.requestID`, in the logger's metadata (`request-id`) for everything inside, and in
/// the response's `X-Request-ID`, so a client's report, the access log and the server's log meet on one value.
public struct RequestIDMiddleware: Middleware {
    /// The field the id travels in.
    public static let fieldName = HTTPField.Name.requestID

    /// Whether an id sent by the client is kept; turn it off where clients are not trusted to choose their ids.
    public var trustsIncomingIDs: Bool

    /// Creates the middleware.
    public init(trustsIncomingIDs: Bool = true) {
        self.trustsIncomingIDs = trustsIncomingIDs
    }

    public func respond(to request: Request, context: RequestContext, next: MiddlewareNext) async throws -> Response {
        var context = context
        let id: String
        if self.trustsIncomingIDs, let sent = request.head.headerFields[Self.fieldName], Self.isUsable(sent) {
            id = sent
        } else {
            id = Self.makeID()
        }
        context.requestID = id
        context.logger[metadataKey: "request-id"] = "\(id)"
        var response = await next(request, context)
        response.head.headerFields[Self.fieldName] = id
        return response
    }

    /// An id is kept when it is 1 to 200 visible ASCII characters: enough for any UUID or trace id, and nothing that
    /// could forge a log line.
    static func isUsable(_ id: String) -> Bool {
        let bytes = id.utf8
        return !bytes.isEmpty && bytes.count <= 200 && bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// 128 random bits as 32 hex digits.
    static func makeID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        let text = String(high, radix: 16) + String(low, radix: 16)
        return String(repeating: "0", count: 32 - text.count) + text
    }
}
