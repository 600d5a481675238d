/// How a route takes its request bodies: collected before the handler runs, or streamed to it, and up to how
/// many bytes (overriding the server's limit for that route).
///
/// ```swift
/// router.put("/uploads/{name}", body: .streamed(upTo: 64 << 20)) { request, context in
///     for try await piece in request.body { try await file.write(piece) }
///     return HTTPResponse.Status.created
/// }
/// ```
public struct RequestBodyPolicy: Sendable, Hashable {
    /// The most bytes a body may have; nil leaves it to the server's limit (`HTTP1Limits`, `HTTP2Limits`).
    public var maximumSize: Int?
    /// Whether the body reaches the handler as it arrives, rather than whole.
    public var streams: Bool

    /// Collected whole before the handler runs (what `request.decode(as:)` wants), within `maximumSize`.
    public static func collected(upTo maximumSize: Int? = nil) -> RequestBodyPolicy {
        RequestBodyPolicy(maximumSize: maximumSize, streams: false)
    }

    /// Streamed to the handler as it arrives, with backpressure, within `maximumSize`.
    public static func streamed(upTo maximumSize: Int? = nil) -> RequestBodyPolicy {
        RequestBodyPolicy(maximumSize: maximumSize, streams: true)
    }
}
