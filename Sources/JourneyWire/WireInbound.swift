import NIOCore

/// The messages a peer sent, framed, in order: `for try await message in inbound`.
///
/// The sequence ends when the peer closes its side or the server shuts down (after the messages already
/// received), and throws the framer's error when a frame is malformed (after the messages before it).
/// While the handler falls behind by `WireLimits.maximumInFlight` messages, the socket is not read.
public struct WireInbound<Message: Sendable>: AsyncSequence, Sendable {
    /// A message.
    public typealias Element = Message

    let source: NIOLoopBound<any WireMessageSource<Message>>

    /// An iterator over the messages.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(source: self.source)
    }

    /// Takes the next message: at once when one waits (the handler runs on the connection's loop), else
    /// suspended until one arrives, which is when the replies written so far are sent.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let source: NIOLoopBound<any WireMessageSource<Message>>

        /// The next message, nil at the end.
        public mutating func next() async throws -> Message? {
            let loop = self.source.eventLoop
            if loop.inEventLoop {
                switch self.source.value.take() {
                case .message(let message): return message
                case .ended: return nil
                case .failed(let error): throw error
                case .nothingYet: break
                }
            }
            let source = self.source
            return try await withCheckedThrowingContinuation { continuation in
                if loop.inEventLoop {
                    source.value.wait(continuation)
                } else {
                    loop.execute { source.value.wait(continuation) }
                }
            }
        }
    }
}
