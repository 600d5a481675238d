import HTTPTypes
import JourneyCore

/// Files are read, never written: the methods a file responder answers, and its refusal of any other.
enum FileMethods {
    /// 405 with `Allow: GET, HEAD` (RFC 9110 §15.5.6) for any method but GET and HEAD; nil for those two.
    static func refusal(of request: Request) -> HTTPError? {
        request.head.method == .get || request.head.method == .head ? nil : Self.notAllowed
    }

    private static let notAllowed = HTTPError(.methodNotAllowed, headerFields: [.allow: "GET, HEAD"])
}
