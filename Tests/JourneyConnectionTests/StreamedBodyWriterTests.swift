import JourneyConnection
import JourneyCore
import NIOCore
import NIOEmbedded
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A reader whose reads complete only when the test says, recording what was asked.
private final class ScriptedReader: FileChunkReader, @unchecked Sendable {
    private(set) var requests: [(offset: Int, count: Int, promise: EventLoopPromise<ByteBuffer>)] = []

    func read(
        _ file: OpenFile,
        offset: Int,
        count: Int,
        allocator: ByteBufferAllocator,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<ByteBuffer> {
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        self.requests.append((offset, count, promise))
        return promise.futureResult
    }

    /// Completes read `index` with `count` bytes that each tell their offset.
    func complete(_ index: Int) {
        let request = self.requests[index]
        request.promise.succeed(
            ByteBuffer(bytes: (request.offset..<request.offset + request.count).map { UInt8($0 % 251) })
        )
    }
}

@Suite struct StreamedBodyWriterTests {
    let loop = EmbeddedEventLoop()
    /// Any descriptor will do: the scripted reader never reads it.
    let file = OpenFile(takingOwnershipOf: dup(0))

    /// Whether `future` has completed (on the embedded loop, callbacks run at once).
    private func isDone(_ future: EventLoopFuture<Void>) -> Bool {
        let box = NIOLoopBoundBox(false, eventLoop: self.loop)
        future.whenSuccess { box.value = true }
        return box.value
    }

    @Test func readsAheadOneChunkAndWritesTheNextOnlyWhenTheLastHasLeft() throws {
        let reader = ScriptedReader()
        var writes: [(bytes: ByteBuffer, promise: EventLoopPromise<Void>)] = []
        let size = 2 * StreamedBodyWriter.chunkSize + 100
        let done = StreamedBodyWriter.write(
            .parts([.bytes(ByteBuffer(string: "head")), .file(FileSlice(file: self.file, offset: 10, count: size))]),
            reading: reader,
            on: self.loop,
            allocator: ByteBufferAllocator()
        ) { bytes in
            let promise = self.loop.makePromise(of: Void.self)
            writes.append((bytes, promise))
            return promise.futureResult
        }
        // The bytes in memory go at once; the first chunk is being read meanwhile.
        #expect(writes.count == 1)
        #expect(String(buffer: writes[0].bytes) == "head")
        #expect(reader.requests.count == 1)
        #expect(reader.requests[0].offset == 10 && reader.requests[0].count == StreamedBodyWriter.chunkSize)

        // The first chunk is read, but "head" has not left: it waits.
        reader.complete(0)
        #expect(writes.count == 1)
        writes[0].promise.succeed()
        #expect(writes.count == 2)
        #expect(writes[1].bytes.readableBytes == StreamedBodyWriter.chunkSize)
        // While it travels the next is read, and no further ahead.
        #expect(reader.requests.count == 2)
        reader.complete(1)
        #expect(writes.count == 2)
        writes[1].promise.succeed()
        #expect(writes.count == 3)
        #expect(reader.requests.count == 3)
        #expect(reader.requests[2].offset == 10 + 2 * StreamedBodyWriter.chunkSize && reader.requests[2].count == 100)
        reader.complete(2)
        writes[2].promise.succeed()
        #expect(writes.count == 4)
        #expect(writes[3].bytes.readableBytesView.first == UInt8((10 + 2 * StreamedBodyWriter.chunkSize) % 251))
        #expect(!self.isDone(done))
        writes[3].promise.succeed()
        #expect(self.isDone(done))
    }

    @Test func aFailedWriteStopsTheReading() throws {
        struct Gone: Error {}
        let reader = ScriptedReader()
        var writes: [EventLoopPromise<Void>] = []
        let done = StreamedBodyWriter.write(
            .file(FileSlice(file: self.file, offset: 0, count: 3 * StreamedBodyWriter.chunkSize)),
            reading: reader,
            on: self.loop,
            allocator: ByteBufferAllocator()
        ) { _ in
            let promise = self.loop.makePromise(of: Void.self)
            writes.append(promise)
            return promise.futureResult
        }
        reader.complete(0)
        reader.complete(1)
        writes[0].fail(Gone())
        #expect(throws: Gone.self) { try done.wait() }
        #expect(reader.requests.count == 2, "nothing read after the peer went away")
        #expect(writes.count == 1)
    }

    @Test func anEmptyBodyIsDoneAtOnce() throws {
        let done = StreamedBodyWriter.write(
            .empty,
            reading: ScriptedReader(),
            on: self.loop,
            allocator: ByteBufferAllocator()
        ) { _ in
            Issue.record("nothing to write")
            return self.loop.makeSucceededVoidFuture()
        }
        try done.wait()
    }
}
