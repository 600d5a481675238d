import HTTPTypes
import JourneyConnection
import JourneyCore
import JourneyHTTP1
import NIOCore
import NIOEmbedded
import Testing

/// Bytes in, bytes out: the HTTP/1 stages on an `EmbeddedChannel`, no sockets.
@Suite struct HTTP1ConnectionTests {
    struct Failure: Error {}

    /// Answers `METHOD PATH BODYLENGTH`, or fails on `/fail`, or throws `HTTPError` on `/teapot`.
    struct EchoResponder: Responder {
        func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
            switch request.path {
            case "/fail":
                return context.eventLoop.makeFailedFuture(Failure())
            case "/teapot":
                return context.eventLoop.makeFailedFuture(HTTPError(.init(code: 418), headerFields: [.allow: "BREW"]))
            default:
                let text =
                    "\(request.head.method.rawValue) \(request.path) \(request.body.collected?.readableBytes ?? -1)"
                return context.eventLoop.makeSucceededFuture(.text(text))
            }
        }
    }

    private func makeChannel(
        limits: HTTP1Limits = HTTP1Limits(),
        timeouts: ConnectionTimeouts = ConnectionTimeouts()
    ) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try HTTP1Connection(responder: EchoResponder(), limits: limits, timeouts: timeouts).configure(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        return channel
    }

    /// The send queue filling (`false`) or draining (`true`), as NIO tells the pipeline.
    private static func setWritable(_ writable: Bool, on channel: EmbeddedChannel) {
        channel.isWritable = writable
        channel.pipeline.fireChannelWritabilityChanged()
    }

    /// Sends `input` and returns everything written back, with the Date value replaced by `DATE`.
    private func exchange(_ input: String, on channel: EmbeddedChannel) throws -> String {
        // A write may be refused once the connection has closed; what was sent back still counts. Nothing to send
        // only reads what came back (a read of no bytes would count as a piece of a body).
        if !input.isEmpty { try channel.writeInbound(ByteBuffer(string: input)) }
        var output = ""
        while let data = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = data else {
                Issue.record("unexpected file region")
                continue
            }
            output += String(buffer: buffer)
        }
        return output.replacing(/Date: [^\r]+\r\n/, with: "Date: DATE\r\n")
    }

    private func statusLines(_ output: String) -> [Substring] {
        // "\r\n" is one Character in Swift, and a newline.
        output.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("HTTP/1.1 ") }
    }

    @Test func answersAGetWithExactBytes() throws {
        let channel = try self.makeChannel()
        let output = try self.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n", on: channel)
        #expect(
            output
                == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nDate: DATE\r\nServer: journey\r\n"
                + "Content-Length: 12\r\n\r\nGET /hello 0"
        )
        #expect(channel.isActive)
    }

    @Test func answersPipelinedRequestsInOrder() throws {
        let channel = try self.makeChannel()
        let output = try self.exchange(
            "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                + "GET /3 HTTP/1.1\r\nHost: x\r\n\r\n",
            on: channel
        )
        let bodies = output.split(separator: "\r\n\r\n").dropFirst().map { $0.prefix(while: { $0 != "H" }) }
        #expect(bodies == ["GET /1 0", "POST /2 3", "GET /3 0"])
        #expect(channel.isActive)
    }

    @Test func closesAfterHTTP10UnlessKeepAliveIsAsked() throws {
        let channel = try self.makeChannel()
        let output = try self.exchange("GET / HTTP/1.0\r\n\r\n", on: channel)
        #expect(output.contains("Connection: close\r\n"))
        #expect(!channel.isActive)

        let keepAlive = try self.makeChannel()
        let kept = try self.exchange("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", on: keepAlive)
        #expect(kept.contains("Connection: keep-alive\r\n"))
        #expect(keepAlive.isActive)
    }

    @Test func closesAfterConnectionClose() throws {
        let channel = try self.makeChannel()
        let output = try self.exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", on: channel)
        #expect(output.contains("Connection: close\r\n"))
        #expect(!channel.isActive)
    }

    @Test func headGetsTheLengthButNoBody() throws {
        let channel = try self.makeChannel()
        let output = try self.exchange("HEAD /abc HTTP/1.1\r\nHost: x\r\n\r\n", on: channel)
        #expect(output.hasSuffix("Content-Length: 11\r\n\r\n"))
    }

    @Test func continuesAnExpectingClientBeforeItsBody() throws {
        let channel = try self.makeChannel()
        let interim = try self.exchange(
            "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n",
            on: channel
        )
        #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n")
        let final = try self.exchange("hi", on: channel)
        #expect(final.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(final.hasSuffix("POST /up 2"))
    }

    @Test(arguments: [
        // Parse-stage refusals, each with the status nginx gives and a closed connection.
        ("GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: x\r\n\r\n", "414 URI Too Long"),
        (
            "GET / HTTP/1.1\r\nHost: x\r\nX: \(String(repeating: "a", count: 17000))\r\n\r\n",
            "431 Request Header Fields Too Large"
        ),
        ("BREW / HTTP/1.1\r\nHost: x\r\n\r\n", "501 Not Implemented"),
        ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505 HTTP Version Not Supported"),
        ("GET / HTTP/1.1\nHost: x\n\n", "400 Bad Request"),
        ("\u{1}\u{2}garbage\r\n\r\n", "400 Bad Request"),
        ("GET / HTTP/1.1\r\n\r\n", "400 Bad Request"),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "400 Bad Request"),
        // Request smuggling defences.
        (
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "400 Bad Request"
        ),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "400 Bad Request"),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", "400 Bad Request"),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -3\r\n\r\nabc", "400 Bad Request"),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\nabc", "400 Bad Request"),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n", "400 Bad Request"),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n\r\n", "400 Bad Request"),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "501 Not Implemented"),
        ("GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", "417 Expectation Failed"),
    ])
    func refusesWithTheRightStatusAndCloses(_ input: String, _ status: String) throws {
        let channel = try self.makeChannel()
        let output = try self.exchange(input, on: channel)
        #expect(self.statusLines(output) == ["HTTP/1.1 \(status)"])
        #expect(output.contains("Connection: close\r\n"))
        #expect(!channel.isActive)
    }

    @Test func refusesADeclaredBodyOverTheLimitBeforeReadingIt() throws {
        let channel = try self.makeChannel(limits: HTTP1Limits(maximumBodySize: 10))
        let output = try self.exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", on: channel)
        #expect(self.statusLines(output).map { $0.prefix(12) } == ["HTTP/1.1 413"])
        #expect(!channel.isActive)
    }

    @Test func refusesAChunkedBodyOnceItCrossesTheLimit() throws {
        let channel = try self.makeChannel(limits: HTTP1Limits(maximumBodySize: 10))
        let head = try self.exchange(
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n",
            on: channel
        )
        #expect(head.isEmpty)
        let output = try self.exchange("6\r\nabcdef\r\n", on: channel)
        #expect(self.statusLines(output).map { $0.prefix(12) } == ["HTTP/1.1 413"])
        #expect(!channel.isActive)
    }

    @Test func aHandlerFailureIs500AndTheConnectionSurvives() throws {
        let channel = try self.makeChannel()
        let output = try self.exchange(
            "GET /fail HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n",
            on: channel
        )
        #expect(self.statusLines(output) == ["HTTP/1.1 500 Internal Server Error", "HTTP/1.1 200 OK"])
        #expect(output.contains("<h1>500 Internal Server Error</h1>"))
        #expect(channel.isActive)
    }

    @Test func anHTTPErrorKeepsItsStatusAndFields() throws {
        let channel = try self.makeChannel()
        let output = try self.exchange("GET /teapot HTTP/1.1\r\nHost: x\r\n\r\n", on: channel)
        #expect(output.hasPrefix("HTTP/1.1 418 "))
        #expect(output.contains("Allow: BREW\r\n"))
    }

    @Test func aHalfClosedClientGetsItsAnswerThenTheClose() throws {
        let channel = try self.makeChannel()
        try channel.writeInbound(ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        let output = try self.exchange("", on: channel)
        #expect(self.statusLines(output) == ["HTTP/1.1 200 OK"])
        #expect(!channel.isActive)
    }

    @Test func aNewRequestLineIsWatchedAfterEachRequest() throws {
        // The first request is short; the second one's line is too long and must still get 414.
        let channel = try self.makeChannel()
        let first = try self.exchange("GET /a HTTP/1.1\r\nHost: x\r\n\r\n", on: channel)
        #expect(self.statusLines(first) == ["HTTP/1.1 200 OK"])
        let second = try self.exchange("GET /\(String(repeating: "b", count: 9000)) HTTP/1.1\r\n", on: channel)
        #expect(self.statusLines(second) == ["HTTP/1.1 414 URI Too Long"])
    }

    // MARK: - Deadlines (the clock is the embedded loop's: no waiting)

    private let shortTimeouts = ConnectionTimeouts(
        headerRead: .seconds(10),
        bodyRead: .seconds(5),
        keepAliveIdle: .seconds(75),
        write: .seconds(30),
        minimumBodyRate: nil
    )

    @Test func aSilentConnectionIsClosedByTheHeaderTimeout() throws {
        let channel = try self.makeChannel(timeouts: self.shortTimeouts)
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func aSlowlorisHeadIsClosedAfterTheHeaderTimeout() throws {
        let channel = try self.makeChannel(timeouts: self.shortTimeouts)
        for byte in "GET / HTTP/1.1\r\nHost".utf8.prefix(9) {
            #expect(try self.exchange(String(UnicodeScalar(byte)), on: channel).isEmpty)
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        }
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws {
        let channel = try self.makeChannel(timeouts: self.shortTimeouts)
        let output = try self.exchange("GET /a HTTP/1.1\r\nHost: x\r\n\r\n", on: channel)
        #expect(output.hasPrefix("HTTP/1.1 200 OK"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(74))
        #expect(channel.isActive)
        // A request in time keeps it open, and restarts the idle clock after its response.
        _ = try self.exchange("GET /b HTTP/1.1\r\nHost: x\r\n\r\n", on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(74))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func aStalledBodyIsAnswered408ByTheBodyTimeout() throws {
        let channel = try self.makeChannel(timeouts: self.shortTimeouts)
        _ = try self.exchange("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        _ = try self.exchange("def", on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        #expect(try self.exchange("", on: channel).isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        let output = try self.exchange("", on: channel)
        #expect(output.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(output.contains("Connection: close\r\n"))
        // An EmbeddedChannel cannot half-close: the lingering close ends at once.
        #expect(!channel.isActive)
    }

    @Test func aBodyBelowTheMinimumRateIsAnswered408AfterTheGracePeriod() throws {
        var timeouts = self.shortTimeouts
        timeouts.bodyRead = .seconds(60)
        timeouts.minimumBodyRate = MinimumDataRate(bytesPerSecond: 240, gracePeriod: .seconds(3))
        let channel = try self.makeChannel(timeouts: timeouts)
        _ = try self.exchange("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n", on: channel)
        // A byte a second: never a pause, far below the rate.
        for _ in 0..<2 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
            #expect(try self.exchange("a", on: channel).isEmpty)
        }
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(try self.exchange("", on: channel).hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
        #expect(!channel.isActive)
    }

    @Test func aBodyAtTheMinimumRateIsRead() throws {
        var timeouts = self.shortTimeouts
        timeouts.minimumBodyRate = MinimumDataRate(bytesPerSecond: 240, gracePeriod: .seconds(1))
        let channel = try self.makeChannel(timeouts: timeouts)
        _ = try self.exchange("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", on: channel)
        // 250 bytes every 900 ms, four times.
        var output = ""
        for _ in 0..<4 {
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(900))
            output += try self.exchange(String(repeating: "b", count: 250), on: channel)
        }
        #expect(output.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(output.hasSuffix("POST /a 1000"))
    }

    @Test func http10WithTransferEncodingIs400AndCloses() throws {
        let channel = try self.makeChannel()
        let output = try self.exchange(
            "POST /a HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
                + "3\r\nabc\r\n0\r\n\r\nGET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            on: channel
        )
        #expect(output.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(output.components(separatedBy: "HTTP/1.1 ").count == 2)
        #expect(!channel.isActive)
    }

    @Test(arguments: ["a b/c", "u@x", "x:123456", "[zz]", "x?y", "x#y", "x:"])
    func anInvalidHostIs400(host: String) throws {
        let channel = try self.makeChannel()
        let output = try self.exchange("GET /a HTTP/1.1\r\nHost: \(host)\r\n\r\n", on: channel)
        #expect(output.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(host)")
        #expect(!channel.isActive)
    }

    @Test func aClientThatStopsReadingIsClosedByTheWriteTimeout() throws {
        let channel = try self.makeChannel(timeouts: self.shortTimeouts)
        _ = try self.exchange("GET /a HTTP/1.1\r\nHost: x\r\n\r\n", on: channel)
        Self.setWritable(false, on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        Self.setWritable(true, on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        #expect(channel.isActive)  // it drained in time; only the keep-alive clock runs (75 s)
        Self.setWritable(false, on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        #expect(!channel.isActive)
    }

    @Test func theWriteTimeoutRunsFromTheLastTimeTheQueueFilled() throws {
        let channel = try self.makeChannel(timeouts: self.shortTimeouts)
        _ = try self.exchange("GET /a HTTP/1.1\r\nHost: x\r\n\r\n", on: channel)
        Self.setWritable(false, on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        // Drained and full again at once (a large response per request does this): the 30 s start over.
        Self.setWritable(true, on: channel)
        Self.setWritable(false, on: channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(channel.isActive, "the first fill's deadline has passed, this one's has not")
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }
}
