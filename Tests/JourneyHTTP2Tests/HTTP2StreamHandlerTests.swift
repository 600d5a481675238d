import HTTPTypes
import JourneyConnection
import JourneyCore
import JourneyStageTestSupport
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP2
import NIOHTTPTypes
import NIOHTTPTypesHTTP2
import Testing

@testable import JourneyHTTP2

/// Answers with whatever the test put in `response`, recording the request.
private final class FixedResponder: Responder, @unchecked Sendable {
    var response: Response
    var requests: [Request] = []

    init(_ response: Response) {
        self.response = response
    }

    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        self.requests.append(request)
        return context.eventLoop.makeSucceededFuture(self.response)
    }
}

/// Records the outbound events that reach it (where the HTTP/2 codec would turn a reset into RST_STREAM).
private final class EventRecorder: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = NIOAny
    var resets: [NIOHTTP2.HTTP2ErrorCode] = []

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if let reset = (event as? NIOHTTP2FramePayloadToHTTPEvent)?.reset { self.resets.append(reset) }
        promise?.succeed()
    }
}

@Suite struct HTTP2StreamHandlerTests {
    private let events = EventRecorder()

    private func stream(
        answering response: Response,
        maximumBodySize: Int = 1000
    ) throws -> (
        EmbeddedChannel, FixedResponder
    ) {
        let responder = FixedResponder(response)
        let environment = HTTP2StreamEnvironment(
            responder: responder,
            fileReader: NoFiles(),
            maximumBodySize: maximumBodySize,
            accessLog: nil,
            logger: Logger(label: "test"),
            timeline: ConnectionTimeline(),
            sendsServerTiming: false,
            sendTimeout: .seconds(60)
        )
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(self.events)
        try channel.pipeline.syncOperations.addHandler(HTTP2StreamHandler(environment: environment))
        return (channel, responder)
    }

    private func readResponse(_ channel: EmbeddedChannel) throws -> (head: HTTPResponse, body: String, ended: Bool) {
        var head: HTTPResponse?
        var body = ""
        var ended = false
        while let part = try channel.readOutbound(as: HTTPResponsePart.self) {
            switch part {
            case .head(let response): head = response
            case .body(let buffer): body += String(buffer: buffer)
            case .end: ended = true
            }
        }
        return (try #require(head), body, ended)
    }

    @Test func aResponseLosesTheFieldsHTTP2ForbidsAndGainsItsLength() throws {
        let (channel, responder) = try self.stream(
            answering: Response(
                status: .ok,
                headerFields: [.connection: "keep-alive", .transferEncoding: "chunked", .contentType: "text/plain"],
                body: .bytes(ByteBuffer(string: "hello"))
            )
        )
        let head = HTTPRequest(method: .post, scheme: "https", authority: "x", path: "/echo?a=1")
        try channel.writeInbound(HTTPRequestPart.head(head))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "pay")))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "load")))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        let response = try self.readResponse(channel)
        #expect(response.head.status == .ok)
        #expect(response.head.headerFields[.connection] == nil)
        #expect(response.head.headerFields[.transferEncoding] == nil)
        #expect(response.head.headerFields[.contentLength] == "5")
        #expect(response.head.headerFields[.server] == "journey")
        #expect(response.head.headerFields[.date] != nil)
        #expect(response.body == "hello" && response.ended)
        #expect(responder.requests.count == 1)
        #expect(String(buffer: responder.requests[0].body.collected ?? ByteBuffer()) == "payload")
        #expect(responder.requests[0].version == HTTPVersionNumber(major: 2, minor: 0))
        #expect(responder.requests[0].query == "a=1")
    }

    @Test func headGetsTheLengthWithoutTheBody() throws {
        let (channel, _) = try self.stream(answering: .text("twelve bytes"))
        try channel.writeInbound(
            HTTPRequestPart.head(HTTPRequest(method: .head, scheme: "https", authority: "x", path: "/"))
        )
        try channel.writeInbound(HTTPRequestPart.end(nil))
        let response = try self.readResponse(channel)
        #expect(response.head.headerFields[.contentLength] == "12")
        #expect(response.body.isEmpty && response.ended)
    }

    @Test func notModifiedCarriesNoLength() throws {
        let (channel, _) = try self.stream(
            answering: Response(status: .notModified, body: .bytes(ByteBuffer(string: "x")))
        )
        try channel.writeInbound(
            HTTPRequestPart.head(HTTPRequest(method: .get, scheme: "https", authority: "x", path: "/"))
        )
        try channel.writeInbound(HTTPRequestPart.end(nil))
        let response = try self.readResponse(channel)
        #expect(response.head.headerFields[.contentLength] == nil)
        #expect(response.body.isEmpty)
    }

    @Test(arguments: [true, false])
    func aBodyOverTheLimitIs413AndTheStreamIsReset(declared: Bool) throws {
        let (channel, responder) = try self.stream(answering: .text("never"), maximumBodySize: 10)
        var head = HTTPRequest(method: .post, scheme: "https", authority: "x", path: "/upload")
        if declared { head.headerFields[.contentLength] = "11" }
        try channel.writeInbound(HTTPRequestPart.head(head))
        if !declared {
            try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "123456")))
            try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "789012")))
        }
        let response = try self.readResponse(channel)
        #expect(response.head.status == .contentTooLarge)
        #expect(response.ended)
        #expect(responder.requests.isEmpty)
        #expect(
            self.events.resets == [NIOHTTP2.HTTP2ErrorCode.noError],
            "RST_STREAM(NO_ERROR), so the client stops sending"
        )
    }
}
