import JourneyConnection
import JourneyCore
import NIOCore
import NIOEmbedded
import Testing

/// Backpressure of a streamed request body: reads stop while the handler has enough, and resume when it asks.
@Suite struct StreamedRequestBodyTests {
    @Test func readsStopPastTheHighWatermarkAndResumeWhenTheHandlerReads() async throws {
        let loop = EmbeddedEventLoop()
        var readsIssued = 0
        let (streamed, body) = StreamedRequestBody.make(on: loop) { readsIssued += 1 }
        for index in 0..<StreamedRequestBody.highWatermark - 1 {
            streamed.receive(ByteBuffer(string: "\(index)"))
            #expect(streamed.passesRead())
        }
        // The piece that reaches the high watermark stops reading: the next read is held back.
        streamed.receive(ByteBuffer(string: "last"))
        #expect(!streamed.passesRead())
        #expect(readsIssued == 0)
        var iterator = body.makeAsyncIterator()
        var read = 0
        // Reading below the low watermark asks for more: the held read goes out, once.
        while read <= StreamedRequestBody.highWatermark - StreamedRequestBody.lowWatermark {
            _ = try await iterator.next()
            read += 1
            loop.run()
        }
        #expect(readsIssued == 1)
        #expect(streamed.passesRead())
        streamed.finish()
        while try await iterator.next() != nil { read += 1 }
        #expect(read == StreamedRequestBody.highWatermark)
    }

    @Test func aFailedBodyThrowsItsErrorToTheHandler() async throws {
        let loop = EmbeddedEventLoop()
        let (streamed, body) = StreamedRequestBody.make(on: loop) {}
        streamed.receive(ByteBuffer(string: "a"))
        streamed.fail(HTTPError(.contentTooLarge))
        var iterator = body.makeAsyncIterator()
        #expect(try await iterator.next() == ByteBuffer(string: "a"))
        await #expect(throws: HTTPError(.contentTooLarge)) { try await iterator.next() }
    }

    @Test func collectingPastItsLimitIs413() async throws {
        let loop = EmbeddedEventLoop()
        let (streamed, body) = StreamedRequestBody.make(on: loop) {}
        streamed.receive(ByteBuffer(string: "12345"))
        streamed.receive(ByteBuffer(string: "678"))
        streamed.finish()
        await #expect(throws: HTTPError.self) { try await body.collect(upTo: 7) }
        #expect(try await RequestBody(ByteBuffer(string: "1234567")).collect(upTo: 7).readableBytes == 7)
    }
}
