/// Where a `WireOutbound` puts its messages: the connection's `WireChannelHandler`. Called on its loop.
protocol WireMessageSink<Outbound>: AnyObject {
    associatedtype Outbound: Sendable

    /// Encodes `message` for the next flush; false when the writer should wait for the send queue to drain.
    func enqueue(_ message: Outbound) throws -> Bool
    /// Resumes `continuation` once the send queue has room (throws once the connection is closed).
    func waitUntilWritable(_ continuation: CheckedContinuation<Void, any Error>)
    /// Sends what is queued, then closes the connection.
    func finish()
}
