/// Where a connection is in its request loop, as nginx's stub_status counts them (and one more).
public enum ConnectionPhase: Int, CaseIterable, Sendable {
    /// Open, between requests (keep-alive), nothing of a request read yet: nginx's "waiting".
    case idle
    /// A request's bytes are arriving: head or body.
    case reading
    /// The handler is working on a complete request (or it waits behind the send queue).
    case processing
    /// The response is being handed to the kernel.
    case writing
    /// The connection switched protocols (WebSocket) and left the HTTP request loop.
    case upgraded

    /// The name used in metrics labels and the dashboard.
    public var name: String {
        switch self {
        case .idle: "idle"
        case .reading: "reading"
        case .processing: "processing"
        case .writing: "writing"
        case .upgraded: "upgraded"
        }
    }
}
