/// Where a `WireInbound` takes its messages from: the connection's `WireChannelHandler`. Called on its loop.
protocol WireMessageSource<Inbound>: AnyObject {
    associatedtype Inbound: Sendable

    /// A message if one waits, else the end, the framer's error, or `nothingYet`.
    func take() -> WireTake<Inbound>
    /// Resumes `continuation` with the next message (or the end, or the error) once there is one.
    func wait(_ continuation: CheckedContinuation<Inbound?, any Error>)
}

/// What asking for the next message gives.
enum WireTake<Message> {
    case message(Message)
    case ended
    case failed(any Error)
    case nothingYet
}
