import NIOCore

/// The messages a peer sent, framed, in order: `for try await message in inbound`.
///
/// The sequence ends when the peer closes its side or the server shuts down (after the messages already
/// received), and throws the framer's error when a frame is malformed (after the messages before it).
/// While the handler falls behind by `WireLimits.maximumInFlight` messages, the socket is not read.
public struct WireInbound<Message: Sendable>: AsyncSequence, Sendable {
    /// A message.
    public typealias Element = Message

    @usableFromInline let connection: NIOLoopBound<WireChannelHandler>

    @usableFromInline
    init(connection: NIOLoopBound<WireChannelHandler>) {
        self.connection = connection
    }

    /// An iterator over the messages.
    @inlinable
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(connection: self.connection)
    }

    /// Takes the next message: at once when one waits (the handler runs on the connection's loop), else
    /// suspended until one arrives, which is when the replies written so far are sent.
    ///
    /// Inlinable, so that it is specialised for the protocol's message type where the handler is compiled.
    public struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline let connection: NIOLoopBound<WireChannelHandler>

        @usableFromInline
        init(connection: NIOLoopBound<WireChannelHandler>) {
            self.connection = connection
        }

        /// The next message, nil at the end.
        @inlinable
        public mutating func next() async throws -> Message? {
            let connection = self.connection
            let loop = connection.eventLoop
            var taken = loop.inEventLoop ? connection.value.take() : .nothingYet
            if case .nothingYet = taken {
                taken = await withCheckedContinuation { continuation in
                    if loop.inEventLoop {
                        connection.value.wait(continuation)
                    } else {
                        loop.execute { connection.value.wait(continuation) }
                    }
                }
            }
            switch taken {
            case .message(let message): return Unwrapper<Message>.unwrapInboundIn(message)
            case .ended, .nothingYet: return nil
            case .failed(let error): throw error
            }
        }
    }
}

/// Names the message type for NIO's `unwrapInboundIn`, which checks it.
@usableFromInline
final class Unwrapper<Message>: ChannelInboundHandler {
    @usableFromInline typealias InboundIn = Message
}

@available(*, unavailable)
extension Unwrapper: Sendable {}
