import HTTPTypes
import NIOCore

/// A response body made while it is sent: a producer that writes with a `ResponseBodyWriter` and may end with
/// trailers.
///
/// The producer runs as a task that prefers the connection's event loop. Each write returns once the connection
/// has taken the bytes, so a producer never gets ahead of a slow client by more than one write. The task is
/// cancelled when the client goes away or the server shuts down; a producer that waits (for events, say) should
/// let cancellation end it, and the body then ends cleanly.
public struct ResponseBodyStream: Sendable {
    /// Writes the body and returns the trailers to end it with (nil for none).
    public typealias Producer = @Sendable (_ writer: ResponseBodyWriter) async throws -> HTTPFields?

    /// The producer.
    public let produce: Producer

    /// A body `produce` writes, ending with the trailers it returns (sent over HTTP/2, and in HTTP/1.1's last chunk).
    public init(withTrailers produce: @escaping Producer) {
        self.produce = produce
    }

    /// A body `produce` writes.
    public init(_ produce: @escaping @Sendable (_ writer: ResponseBodyWriter) async throws -> Void) {
        self.produce = { writer in
            try await produce(writer)
            return nil
        }
    }
}

/// Where a streamed body's producer writes.
public struct ResponseBodyWriter: Sendable {
    private let sink: any ResponseBodySink

    /// A writer into `sink`; the connection makes it.
    package init(sink: any ResponseBodySink) {
        self.sink = sink
    }

    /// Writes `buffer` and returns once the connection has taken it; throws when the client has gone.
    public func write(_ buffer: ByteBuffer) async throws {
        guard buffer.readableBytes > 0 else { return }
        try await self.sink.write(buffer)
    }

    /// Writes `text` as UTF-8.
    public func write(_ text: String) async throws {
        try await self.write(ByteBuffer(string: text))
    }
}

/// What a writer writes into: the connection's side of a streamed body.
package protocol ResponseBodySink: Sendable {
    /// Writes and flushes `buffer`, returning once it has left.
    func write(_ buffer: ByteBuffer) async throws
}
