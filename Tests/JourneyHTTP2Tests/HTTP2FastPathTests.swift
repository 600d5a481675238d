import HTTPTypes
import JourneyConnection
import JourneyCore
import JourneyStageTestSupport
import Logging
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOHTTP2
import Testing

@testable import JourneyHTTP2

/// Has prepared answers for `/hot.txt` and `/empty.txt` only, and records the paths it was asked about.
private final class HotFile: PreparedResponder, @unchecked Sendable {
    static let response = Response(
        status: .ok,
        headerFields: [.contentType: "text/plain", .eTag: "\"1-2\""],
        body: .bytes(ByteBuffer(string: "hot bytes"))
    )
    var asked: [(path: Substring, sendsAcceptEncoding: Bool)] = []

    func preparedResponse(toGET path: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse? {
        self.asked.append((path, sendsAcceptEncoding))
        switch path {
        case "/hot.txt": return PreparedResponse(Self.response)
        case "/empty.txt": return PreparedResponse(Response(status: .ok, body: .bytes(ByteBuffer())))
        default: return nil
        }
    }

    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        context.eventLoop.makeSucceededFuture(.text("the full path"))
    }
}

@Suite struct HTTP2FastPathTests {
    private let responder = HotFile()

    private func connection(sendTimeout: TimeAmount = .seconds(60)) throws -> EmbeddedChannel {
        let environment = HTTP2StreamEnvironment(
            responder: self.responder,
            fileReader: NoFiles(),
            maximumBodySize: 1000,
            accessLog: nil,
            logger: Logger(label: "test"),
            timeline: ConnectionTimeline(),
            sendsServerTiming: false,
            sendTimeout: sendTimeout
        )
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            HTTP2FastPath(responder: self.responder, environment: environment)
        )
        return channel
    }

    static func get(
        _ path: String,
        stream: HTTP2StreamID = 1,
        method: String = "GET",
        endStream: Bool = true,
        more: [(String, String)] = []
    ) -> HTTP2Frame {
        let headers = HPACKHeaders(
            [(":method", method), (":scheme", "https"), (":authority", "x"), (":path", path)] + more
        )
        return HTTP2Frame(streamID: stream, payload: .headers(.init(headers: headers, endStream: endStream)))
    }

    private static func windowUpdate(stream: HTTP2StreamID) -> HTTP2Frame {
        HTTP2Frame(streamID: stream, payload: .windowUpdate(windowSizeIncrement: 100))
    }

    private func written(_ channel: EmbeddedChannel) throws -> [HTTP2Frame] {
        var frames: [HTTP2Frame] = []
        while let frame = try channel.readOutbound(as: HTTP2Frame.self) { frames.append(frame) }
        return frames
    }

    @Test func aPlainGETOfAPreparedFileIsAnsweredOnTheConnection() throws {
        let channel = try self.connection()
        try channel.writeInbound(Self.get("/hot.txt?v=2", more: [("accept-encoding", "gzip")]))
        channel.pipeline.fireChannelReadComplete()
        #expect(try channel.readInbound(as: HTTP2Frame.self) == nil, "no stream channel is made for it")
        let frames = try self.written(channel)
        try #require(frames.count == 2)
        #expect(frames.allSatisfy { $0.streamID == 1 })
        guard case .headers(let head) = frames[0].payload, case .data(let data) = frames[1].payload else {
            Issue.record("expected HEADERS then DATA, got \(frames)")
            return
        }
        #expect(!head.endStream && data.endStream)
        #expect(head.headers.first(name: ":status") == "200")
        #expect(head.headers.first(name: "content-type") == "text/plain")
        #expect(head.headers.first(name: "etag") == "\"1-2\"")
        #expect(head.headers.first(name: "content-length") == "9")
        #expect(head.headers.first(name: "server") == "journey")
        #expect(head.headers.first(name: "date") != nil)
        #expect(head.headers.map(\.name).first == ":status", "pseudo-fields come first (RFC 9113 §8.3)")
        guard case .byteBuffer(let body) = data.data else {
            Issue.record("the body is bytes")
            return
        }
        #expect(String(buffer: body) == "hot bytes")
        #expect(self.responder.asked.map(\.path) == ["/hot.txt"], "asked without the query")
        #expect(self.responder.asked.map(\.sendsAcceptEncoding) == [true])
    }

    @Test func anEmptyFileIsOneHEADERSFrameThatEndsTheStream() throws {
        let channel = try self.connection()
        try channel.writeInbound(Self.get("/empty.txt"))
        let frames = try self.written(channel)
        try #require(frames.count == 1)
        guard case .headers(let head) = frames[0].payload else {
            Issue.record("expected HEADERS, got \(frames)")
            return
        }
        #expect(head.endStream)
        #expect(head.headers.first(name: "content-length") == "0")
    }

    @Test(arguments: [
        HTTP2FastPathTests.get("/hot.txt", method: "HEAD"),
        HTTP2FastPathTests.get("/hot.txt", method: "POST"),
        HTTP2FastPathTests.get("/hot.txt", endStream: false),
        HTTP2FastPathTests.get("/hot.txt", more: [("range", "bytes=0-1")]),
        HTTP2FastPathTests.get("/hot.txt", more: [("if-none-match", "\"1-2\"")]),
        HTTP2FastPathTests.get("/hot.txt", more: [("if-modified-since", "Thu, 01 Jan 1970 00:00:00 GMT")]),
        HTTP2FastPathTests.get("/cold.txt"),
        HTTP2FastPathTests.get("*"),
    ])
    func anyOtherRequestGoesTheFullPath(_ request: HTTP2Frame) throws {
        let channel = try self.connection()
        try channel.writeInbound(request)
        let passed = try #require(try channel.readInbound(as: HTTP2Frame.self))
        #expect(passed.streamID == request.streamID)
        #expect(try self.written(channel).isEmpty)
    }

    @Test func framesOfAnAnsweredStreamStayHereUntilItCloses() throws {
        let channel = try self.connection()
        try channel.writeInbound(Self.get("/hot.txt", stream: 1))
        _ = try self.written(channel)
        // The client opens stream 1's window for the rest of its answer: the multiplexer knows no stream 1, and
        // would call it an error.
        try channel.writeInbound(Self.windowUpdate(stream: 1))
        #expect(try channel.readInbound(as: HTTP2Frame.self) == nil)
        // Another stream's frames, and the connection's, go on.
        try channel.writeInbound(Self.get("/cold.txt", stream: 3))
        try channel.writeInbound(Self.windowUpdate(stream: 3))
        try channel.writeInbound(Self.windowUpdate(stream: .rootStream))
        #expect(try channel.readInbound(as: HTTP2Frame.self)?.streamID == 3)
        #expect(try channel.readInbound(as: HTTP2Frame.self)?.streamID == 3)
        #expect(try channel.readInbound(as: HTTP2Frame.self)?.streamID == .rootStream)
        // Closed, stream 1 is the multiplexer's to ignore.
        channel.pipeline.fireUserInboundEventTriggered(StreamClosedEvent(streamID: 1, reason: nil))
        try channel.writeInbound(Self.windowUpdate(stream: 1))
        #expect(try channel.readInbound(as: HTTP2Frame.self)?.streamID == 1)
    }

    @Test func aTrailerOfAnOlderStreamGoesTheFullPath() throws {
        let channel = try self.connection()
        try channel.writeInbound(Self.get("/cold.txt", stream: 5, endStream: false))
        #expect(try channel.readInbound(as: HTTP2Frame.self)?.streamID == 5)
        // A block that ends stream 5 with the fields of a plain GET is still stream 5's, not a new request.
        try channel.writeInbound(Self.get("/hot.txt", stream: 5))
        #expect(try channel.readInbound(as: HTTP2Frame.self)?.streamID == 5)
        #expect(try self.written(channel).isEmpty)
    }

    @Test func anAnswerTheClientDoesNotTakeIsResetAfterTheSendTimeout() throws {
        let channel = try self.connection(sendTimeout: .seconds(5))
        try channel.writeInbound(Self.get("/hot.txt", stream: 1))
        try channel.writeInbound(Self.get("/hot.txt", stream: 3))
        channel.pipeline.fireChannelReadComplete()
        _ = try self.written(channel)
        // Stream 3's answer left; stream 1's waits for a window that never opens.
        channel.pipeline.fireUserInboundEventTriggered(StreamClosedEvent(streamID: 3, reason: nil))
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(try self.written(channel).isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        let reset = try self.written(channel)
        #expect(reset.count == 1)
        #expect(reset.first?.streamID == 1)
        guard case .rstStream(let code) = reset.first?.payload else {
            Issue.record("expected RST_STREAM, got \(reset)")
            return
        }
        #expect(code == .cancel)
        // Reset once: until NIOHTTP2 says the stream closed, its timer is not set again.
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(try self.written(channel).isEmpty)
    }

    @Test func answersThatLeftSetNoTimer() throws {
        let channel = try self.connection(sendTimeout: .seconds(5))
        try channel.writeInbound(Self.get("/hot.txt", stream: 1))
        channel.pipeline.fireUserInboundEventTriggered(StreamClosedEvent(streamID: 1, reason: nil))
        channel.pipeline.fireChannelReadComplete()
        _ = try self.written(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(try self.written(channel).isEmpty)
    }
}
