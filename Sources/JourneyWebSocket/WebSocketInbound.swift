import WSCore

/// The messages a peer sends, whole: fragments joined, inflated and UTF-8-checked by WSCore; pings, pongs and
/// the close handshake answered underneath.
///
/// A message over the route's `maximumMessageSize` ends the iteration by throwing, and the connection closes with
/// 1009; rethrow what the loop throws so the close code reaches the peer.
public struct WebSocketInbound: AsyncSequence, Sendable {
    /// One text or binary message.
    public typealias Element = WebSocketMessage

    let messages: WebSocketInboundMessageStream

    /// Iterates the messages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: WebSocketInboundMessageStream.AsyncIterator

        /// The next whole message; nil once the peer has closed.
        public mutating func next() async throws -> WebSocketMessage? {
            try await self.base.next()
        }
    }

    /// Starts iterating; a connection's messages can be iterated once.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: self.messages.makeAsyncIterator())
    }
}
