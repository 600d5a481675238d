import NIOCore

/// A request's body: the bytes as they arrive, an `AsyncSequence` of buffers.
///
/// Most routes get it collected by the connection within the limit (one buffer, there already); a route that
/// streams (`RequestBodyPolicy.streamed`) gets it while it arrives, with backpressure: while the handler does not
/// ask for the next buffer, the connection stops reading the socket (HTTP/1.1) or holds the stream's flow-control
/// window shut (HTTP/2), so a handler that writes a 1 GiB upload to disk holds a few buffers in memory, not the
/// upload. A streamed body over its limit throws a 413 `HTTPError` from the iteration.
public struct RequestBody: AsyncSequence, Sendable {
    /// Each piece of the body as it arrived.
    public typealias Element = ByteBuffer

    package typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, RequestBodyDelegate
    >

    private enum Storage: Sendable {
        case collected(ByteBuffer)
        case streamed(Producer)
    }

    private var storage: Storage

    /// A body already in memory (a test's, or one the connection collected).
    public init(_ buffer: ByteBuffer = ByteBuffer()) {
        self.storage = .collected(buffer)
    }

    /// A body `producer` delivers as it arrives; the connection makes these.
    package init(streaming producer: Producer) {
        self.storage = .streamed(producer)
    }

    /// The bytes, when the connection collected them; nil for a streamed body.
    public var collected: ByteBuffer? {
        if case .collected(let buffer) = self.storage { return buffer }
        return nil
    }

    /// Whether the body arrives as it is read (a route that streams) rather than collected beforehand.
    public var isStreamed: Bool { self.collected == nil }

    /// Adds a piece of a collected body; the first piece is kept as it is, without a copy.
    package mutating func append(_ piece: inout ByteBuffer) {
        guard case .collected(var buffer) = self.storage else { return }
        // Leaves the storage without a second reference to the buffer, so the append happens in place.
        self.storage = .collected(ByteBuffer())
        if buffer.readableBytes == 0 {
            buffer = piece
        } else {
            buffer.writeBuffer(&piece)
        }
        self.storage = .collected(buffer)
    }

    /// The whole body in one buffer; more than `maximumSize` bytes is a 413 (the client sent more than the route
    /// takes), as the connection answers a collected body over its limit.
    public func collect(upTo maximumSize: Int) async throws -> ByteBuffer {
        switch self.storage {
        case .collected(let buffer):
            guard buffer.readableBytes <= maximumSize else { throw Self.tooLarge(maximumSize) }
            return buffer
        case .streamed:
            var collected = ByteBuffer()
            for try await var piece in self {
                guard collected.readableBytes + piece.readableBytes <= maximumSize else {
                    throw Self.tooLarge(maximumSize)
                }
                if collected.readableBytes == 0 { collected = piece } else { collected.writeBuffer(&piece) }
            }
            return collected
        }
    }

    private static func tooLarge(_ maximumSize: Int) -> HTTPError {
        HTTPError(.contentTooLarge, detail: "The body is larger than the \(maximumSize) bytes this route takes.")
    }

    /// Reads the body once: a streamed body cannot be read twice.
    public func makeAsyncIterator() -> AsyncIterator {
        switch self.storage {
        case .collected(let buffer): AsyncIterator(pending: buffer.readableBytes > 0 ? buffer : nil, stream: nil)
        case .streamed(let producer): AsyncIterator(pending: nil, stream: producer.makeAsyncIterator())
        }
    }

    /// Reads the body one buffer at a time.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var pending: ByteBuffer?
        var stream: Producer.AsyncIterator?

        /// The next piece, nil at the end; throws what ended the body early (413 over the limit, 400 cut short).
        public mutating func next() async throws -> ByteBuffer? {
            if let pending {
                self.pending = nil
                return pending
            }
            return try await self.stream?.next()
        }
    }
}

/// Tells the connection when a streamed body's reader wants more (read the socket again) or has gone (stop
/// keeping what arrives).
package final class RequestBodyDelegate: NIOAsyncSequenceProducerDelegate {
    private let demanded: @Sendable () -> Void
    private let abandoned: @Sendable () -> Void

    package init(demanded: @escaping @Sendable () -> Void, abandoned: @escaping @Sendable () -> Void) {
        self.demanded = demanded
        self.abandoned = abandoned
    }

    package func produceMore() { self.demanded() }

    package func didTerminate() { self.abandoned() }
}
