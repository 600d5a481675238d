import JourneyCore
import NIOCore
import NIOWebSocket

/// The messages a peer sends, whole, for a route whose handler runs as a task: fragments joined, inflated and
/// UTF-8-checked by the session; pings, pongs and the close handshake answered underneath.
///
/// The connection stops reading while 16 messages wait for the handler, so a slow handler slows its peer instead of
/// queueing without bound. A message over the route's `maximumMessageSize` (or any other broken rule) ends the
/// iteration by throwing, after the connection was closed with its code.
public struct WebSocketInbound: AsyncSequence, Sendable {
    /// One text or binary message.
    public typealias Element = WebSocketMessage
    typealias Producer = NIOThrowingAsyncSequenceProducer<
        WebSocketMessage, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark,
        RequestBodyDelegate
    >

    let messages: Producer

    /// Iterates the messages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator

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

/// Why a connection's messages ended with an error: the session closed it with `code`.
public struct WebSocketClosedError: Error, Sendable {
    /// The code the server closed with (1002 for a broken rule, 1007 for text that is not UTF-8, 1009 for a message
    /// too large).
    public let code: WebSocketErrorCode
    /// Why, in words.
    public let reason: String
}
