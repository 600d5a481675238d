import NIOCore

/// Writes messages to the peer, encoded by the protocol's encoder.
///
/// A write returns at once while the send queue has room; replies written in one go (a pipelined batch)
/// leave in one system call. When the peer does not read and the queue fills, `write` waits for it to drain,
/// so a slow peer slows its handler instead of growing the server's memory.
public struct WireOutbound<Message: Sendable>: Sendable {
    @usableFromInline let connection: NIOLoopBound<WireChannelHandler>
    /// The protocol's encoder, as a function (made once per connection).
    @usableFromInline let encode: NIOLoopBound<(Message, inout ByteBuffer) throws -> Void>

    @usableFromInline
    init(
        connection: NIOLoopBound<WireChannelHandler>,
        encode: NIOLoopBound<(Message, inout ByteBuffer) throws -> Void>
    ) {
        self.connection = connection
        self.encode = encode
    }

    /// Sends `message`; throws once the connection is closed.
    @inlinable
    public func write(_ message: Message) async throws {
        let connection = self.connection
        let encode = self.encode
        let loop = connection.eventLoop
        if loop.inEventLoop {
            let encoder = encode.value
            let hasRoom = try connection.value.append { buffer in
                try encoder(message, &buffer)
                return true
            }
            if hasRoom { return }
            try await withCheckedThrowingContinuation { continuation in
                connection.value.waitUntilWritable(continuation)
            }
            return
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            loop.execute {
                do {
                    let encoder = encode.value
                    let hasRoom = try connection.value.append { buffer in
                        try encoder(message, &buffer)
                        return true
                    }
                    if hasRoom {
                        continuation.resume()
                    } else {
                        connection.value.waitUntilWritable(continuation)
                    }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Sends `messages` in order.
    @inlinable
    public func write(contentsOf messages: some Sequence<Message>) async throws {
        for message in messages { try await self.write(message) }
    }

    /// Sends what was written, then closes the connection (as the handler returning does).
    func finish() {
        let connection = self.connection
        if connection.eventLoop.inEventLoop {
            connection.value.finish()
        } else {
            connection.eventLoop.execute { connection.value.finish() }
        }
    }
}
