import JourneyCore
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the log phase needs of a request once its answer has left: one shape for HTTP/1.1 and HTTP/2, so the
/// journey is recorded and the access log written by one function (`ConnectionTimeline.requestCompleted`).
package struct AnsweredRequest {
    /// The request as the handler saw it (an empty GET / for one that never parsed).
    package var request: Request
    /// The method as it arrived, which is `request`'s unless the request was refused unparsed.
    package var method: String
    /// The target as it arrived (absolute-form included); empty for a request that never parsed.
    package var target: String
    /// When its head arrived, seconds since the epoch (the log's time).
    package var arrivedAt: Int
    /// Its journey so far: the answer's last byte is stamped on completion.
    package var timeline: RequestTimeline

    /// Creates the record of a request whose head arrived now.
    package init(_ request: Request, method: String, target: String, timeline: RequestTimeline) {
        self.request = request
        self.method = method
        self.target = target
        self.arrivedAt = Int(time(nil))
        self.timeline = timeline
    }

    /// `GET /path HTTP/1.1`, built only when a log line needs it; `-` for a request that did not parse.
    package var requestLine: String {
        guard !self.target.isEmpty else { return "-" }
        let version = self.request.version
        return "\(self.method) \(self.target) HTTP/\(version.major).\(version.minor)"
    }
}
