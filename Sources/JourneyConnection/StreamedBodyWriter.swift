import JourneyCore
import NIOCore

/// Writes a response body a chunk at a time where sendfile cannot go (TLS, HTTP/2): bytes as they are,
/// file slices read in chunks off the event loop.
///
/// Backpressure without a queue: chunk N+1 is read while chunk N is written, and written only once chunk N has
/// left (its write promise), so at most two chunks of any file are in memory, whether it is 1 KiB or 1 GiB and
/// however slowly the peer reads (or, on HTTP/2, however small its flow-control window is).
package final class StreamedBodyWriter {
    /// What one write carries: bytes in memory, or a piece of a file no bigger than a chunk.
    private enum Piece {
        case bytes(ByteBuffer)
        case file(OpenFile, offset: Int, count: Int)
    }

    /// How many bytes of a file one read brings in.
    package static let chunkSize = 64 * 1024

    private let pieces: [Piece]
    private let reader: any FileChunkReader
    private let eventLoop: any EventLoop
    private let allocator: ByteBufferAllocator
    private let writeChunk: (ByteBuffer) -> EventLoopFuture<Void>
    private let done: EventLoopPromise<Void>

    private init(
        body: ResponseBody,
        reader: any FileChunkReader,
        eventLoop: any EventLoop,
        allocator: ByteBufferAllocator,
        writeChunk: @escaping (ByteBuffer) -> EventLoopFuture<Void>
    ) {
        var pieces: [Piece] = []
        func add(_ part: ResponseBodyPart) {
            switch part {
            case .bytes(let buffer):
                if buffer.readableBytes > 0 { pieces.append(.bytes(buffer)) }
            case .file(let slice):
                var offset = slice.offset
                let end = slice.offset + slice.count
                while offset < end {
                    let count = min(Self.chunkSize, end - offset)
                    pieces.append(.file(slice.file, offset: offset, count: count))
                    offset += count
                }
            }
        }
        switch body {
        // A stream is its producer's to write (`StreamedResponse`).
        case .empty, .stream: break
        case .bytes(let buffer): add(.bytes(buffer))
        case .file(let slice): add(.file(slice))
        case .parts(let parts): parts.forEach(add)
        }
        self.pieces = pieces
        self.reader = reader
        self.eventLoop = eventLoop
        self.allocator = allocator
        self.writeChunk = writeChunk
        self.done = eventLoop.makePromise()
    }

    /// Writes `body` through `writeChunk` (which writes and flushes one chunk and completes once it has left);
    /// the future completes after the last chunk has, or fails with the first read or write that failed.
    /// Called on `eventLoop`.
    package static func write(
        _ body: ResponseBody,
        reading reader: any FileChunkReader,
        on eventLoop: any EventLoop,
        allocator: ByteBufferAllocator,
        writeChunk: @escaping (ByteBuffer) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<Void> {
        let writer = StreamedBodyWriter(
            body: body,
            reader: reader,
            eventLoop: eventLoop,
            allocator: allocator,
            writeChunk: writeChunk
        )
        if writer.pieces.isEmpty {
            writer.done.succeed()
        } else {
            writer.send(0, writer.load(0))
        }
        return writer.done.futureResult
    }

    private func load(_ index: Int) -> EventLoopFuture<ByteBuffer> {
        switch self.pieces[index] {
        case .bytes(let buffer):
            return self.eventLoop.makeSucceededFuture(buffer)
        case .file(let file, let offset, let count):
            return self.reader.read(file, offset: offset, count: count, allocator: self.allocator, on: self.eventLoop)
        }
    }

    private func send(_ index: Int, _ loaded: EventLoopFuture<ByteBuffer>) {
        loaded.assumeIsolated().whenComplete { result in
            switch result {
            case .failure(let error):
                self.done.fail(error)
            case .success(let buffer):
                let written = self.writeChunk(buffer)
                guard index + 1 < self.pieces.count else {
                    written.cascade(to: self.done)
                    return
                }
                // Read ahead while this chunk travels; write the next only once this one has left.
                let next = self.load(index + 1)
                written.assumeIsolated().whenComplete { outcome in
                    switch outcome {
                    case .failure(let error): self.done.fail(error)
                    case .success: self.send(index + 1, next)
                    }
                }
            }
        }
    }
}

@available(*, unavailable)
extension StreamedBodyWriter: Sendable {}
