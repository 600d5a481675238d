import JourneyCore
import NIOCore
import Testing

@testable import JourneyHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// Answers laid out whole: the same bytes as the three pieces, laid out once a second, bounded in size.
@Suite struct DatedAnswerCacheTests {
    final class Clock: @unchecked Sendable {
        var second = 1_790_000_000
    }

    private func prepared(_ text: String) throws -> PreparedResponse {
        try #require(PreparedResponse(.text(text)))
    }

    @Test func aWholeAnswerIsItsPiecesInOrder() throws {
        let answers = DatedAnswerCache(secondsNow: { 1_790_000_000 })
        let prepared = try self.prepared("hello")
        let whole = try #require(answers.whole(prepared))
        var pieces = prepared.head
        pieces.writeImmutableBuffer(answers.endOfHead(closing: false))
        pieces.writeImmutableBuffer(prepared.body)
        #expect(whole == pieces)
        #expect(String(buffer: whole).hasSuffix("\r\nDate: Mon, 21 Sep 2026 14:13:20 GMT\r\n\r\nhello"))
        #expect(String(buffer: answers.endOfHead(closing: true)).hasSuffix("GMT\r\nConnection: close\r\n\r\n"))
    }

    @Test func aHeadForABodySentAfterItEndsWithTheDateLine() throws {
        let answers = DatedAnswerCache(secondsNow: { 1_790_000_000 })
        let prepared = try self.prepared("hello")
        let head = try #require(answers.head(prepared))
        var expected = prepared.head
        expected.writeImmutableBuffer(answers.endOfHead(closing: false))
        #expect(head == expected)
        #expect(try #require(answers.whole(prepared)) != head, "the whole answer is kept apart")
    }

    @Test func aBodyInMemoryAndAFileOfAnotherLengthAreRefused() throws {
        let file = FileSlice(file: OpenFile(takingOwnershipOf: dup(0)), offset: 0, count: 3)
        #expect(PreparedResponse(.text("hello"), alsoIn: file) == nil)
        let both = try #require(PreparedResponse(.text("hey"), alsoIn: file))
        #expect(both.bodyIsInMemory && both.contentLength == 3)
        let fileOnly = try #require(PreparedResponse(Response(status: .ok, body: .file(file))))
        #expect(!fileOnly.bodyIsInMemory && fileOnly.contentLength == 3)
    }

    @Test func anAnswerIsLaidOutOnceASecondAndTheDateFollowsTheClock() throws {
        let clock = Clock()
        let answers = DatedAnswerCache(secondsNow: { clock.second })
        let prepared = try self.prepared("hello")
        let first = try #require(answers.whole(prepared))
        let again = try #require(answers.whole(prepared))
        #expect(first.withUnsafeReadableBytes { $0.baseAddress } == again.withUnsafeReadableBytes { $0.baseAddress })
        clock.second += 1
        let next = try #require(answers.whole(prepared))
        #expect(String(buffer: first).contains("14:13:20 GMT"))
        #expect(String(buffer: next).contains("14:13:21 GMT"))
        // Another response with the same bytes is still another answer.
        let twin = try self.prepared("hello")
        let twinWhole = try #require(answers.whole(twin))
        #expect(twinWhole == next)
        #expect(twinWhole.withUnsafeReadableBytes { $0.baseAddress } != next.withUnsafeReadableBytes { $0.baseAddress })
    }

    @Test func answersBeyondTheByteLimitAreNotKept() throws {
        let clock = Clock()
        let answers = DatedAnswerCache(secondsNow: { clock.second })
        let big = try #require(
            PreparedResponse(Response(status: .ok, body: .bytes(ByteBuffer(repeating: 7, count: 3 << 20))))
        )
        let bigger = try #require(
            PreparedResponse(Response(status: .ok, body: .bytes(ByteBuffer(repeating: 8, count: 3 << 20))))
        )
        #expect(answers.whole(big) != nil)
        #expect(answers.whole(bigger) == nil, "3 + 3 MiB is over the 4 MiB kept")
        #expect(answers.whole(big) != nil, "what is kept stays")
        clock.second += 1
        #expect(answers.whole(bigger) != nil, "a new second starts empty")
    }
}
