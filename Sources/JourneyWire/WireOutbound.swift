import NIOCore

/// Writes messages to the peer, encoded by the protocol's encoder.
///
/// A write returns at once while the send queue has room; replies written in one go (a pipelined batch)
/// leave in one system call. When the peer does not read and the queue fills, `write` waits for it to drain,
/// so a slow peer slows its handler instead of growing the server's memory.
public struct WireOutbound<Message: Sendable>: Sendable {
    let sink: NIOLoopBound<any WireMessageSink<Message>>

    /// Sends `message`; throws once the connection is closed.
    public func write(_ message: Message) async throws {
        let sink = self.sink
        let loop = sink.eventLoop
        if loop.inEventLoop {
            if try sink.value.enqueue(message) { return }
            try await withCheckedThrowingContinuation { continuation in
                sink.value.waitUntilWritable(continuation)
            }
            return
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            loop.execute {
                do {
                    if try sink.value.enqueue(message) {
                        continuation.resume()
                    } else {
                        sink.value.waitUntilWritable(continuation)
                    }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Sends `messages` in order.
    public func write(contentsOf messages: some Sequence<Message>) async throws {
        for message in messages { try await self.write(message) }
    }

    /// Sends what was written, then closes the connection (as the handler returning does).
    func finish() {
        let sink = self.sink
        if sink.eventLoop.inEventLoop {
            sink.value.finish()
        } else {
            sink.eventLoop.execute { sink.value.finish() }
        }
    }
}
