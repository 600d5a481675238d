import JourneyCore
import NIOCore

/// The size limit on a request body (nginx's `client_max_body_size`), as a tiny state machine: the Decode rule
/// HTTP/1.1 and HTTP/2 share (`collect(_:into:)`).
///
/// A declared Content-Length over the limit is refused before any body byte is read; a chunked body
/// is counted as it arrives and refused the moment it crosses the limit.
package struct RequestBodyLimit: Sendable {
    /// The most body bytes one request may carry.
    package let maximum: Int
    private var received = 0

    /// What to do with the request so far.
    package enum Verdict: Equatable, Sendable {
        /// Within the limit: keep reading.
        case accept
        /// Over the limit: answer 413 and close.
        case tooLarge
    }

    /// Creates a limit of `maximum` bytes.
    package init(maximum: Int) {
        self.maximum = maximum
    }

    /// Checks a declared Content-Length (nil when the body is chunked or absent).
    package func check(declaredLength: Int?) -> Verdict {
        guard let declaredLength else { return .accept }
        return declaredLength > self.maximum ? .tooLarge : .accept
    }

    /// Counts `count` more received bytes.
    package mutating func receive(_ count: Int) -> Verdict {
        self.received += count
        return self.received > self.maximum ? .tooLarge : .accept
    }

    /// Adds `piece` to `request`'s body unless it takes the body over the limit (then `.tooLarge`: answer 413).
    package mutating func collect(_ piece: inout ByteBuffer, into request: inout Request) -> Verdict {
        guard self.receive(piece.readableBytes) == .accept else { return .tooLarge }
        request.receiveBody(&piece)
        return .accept
    }
}
