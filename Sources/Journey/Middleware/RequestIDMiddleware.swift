import Atomics
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
        // The context's logger carries it from now on.
        context.requestID = id
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

    /// 32 hex digits: this process's 64 random bits, then a count of the ids it made. Unique across instances and
    /// restarts (the random half), and cheap: reading 128 fresh random bits per request was two `getrandom` calls,
    /// the most a routed request spent in the kernel after its socket. Not a secret: nothing is authorised by it.
    static func makeID() -> String {
        let count = Self.made.wrappingIncrementThenLoad(ordering: .relaxed)
        return String(unsafeUninitializedCapacity: 32) { text in
            Self.writeHex(Self.processPrefix, into: text, at: 0)
            Self.writeHex(count, into: text, at: 16)
            return 32
        }
    }

    /// The ids' first half: drawn once.
    private static let processPrefix = UInt64.random(in: .min ... .max)
    /// How many ids this process made.
    private static let made = ManagedAtomic<UInt64>(0)

    /// `value` as 16 lowercase hex digits at `offset`.
    private static func writeHex(_ value: UInt64, into text: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        let digits: StaticString = "0123456789abcdef"
        for index in 0..<16 {
            let nibble = Int((value >> UInt64(60 - 4 * index)) & 0xF)
            text[offset + index] = digits.utf8Start[nibble]
        }
    }
}
