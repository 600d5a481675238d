import HTTPTypes
import JourneyConnection
import JourneyCore
import JourneyHTTP1
import JourneyStageTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The fast path on an `EmbeddedChannel`: prepared answers byte for byte as the full path gives them, in request
/// order with everything llhttp answers, and the connection's rules (close, half-close, errors) unchanged.
@Suite struct HTTP1FastPathTests {
    /// Has a prepared answer for `/hot…` paths; answers every path the full path with the same response, and
    /// holds `/slow` until `release()`. Counts which way each answer went.
    final class HotFiles: PreparedResponder {
        let prepared = NIOLockedValueBox(0)
        let whole = NIOLockedValueBox(0)
        let held = NIOLockedValueBox<EventLoopPromise<Response>?>(nil)

        static func response(for path: Substring) -> Response {
            Response(
                status: .ok,
                headerFields: [.contentType: "text/plain", .eTag: "\"e\""],
                body: .bytes(ByteBuffer(string: "file \(path)"))
            )
        }

        /// What `/hot.bin` names: 4 KiB of a file not kept in memory, from byte 10.
        static let file = FileSlice(file: HotFiles.unlinkedFile(size: 10 + 4096), offset: 10, count: 4096)

        /// An open file of `size` bytes that no name leads to any more (nothing to clean up).
        static func unlinkedFile(size: Int) -> OpenFile {
            var template = Array("/tmp/journey-fast-path-XXXXXX".utf8CString)
            let descriptor = mkstemp(&template)
            _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
            _ = ftruncate(descriptor, off_t(size))
            return OpenFile(takingOwnershipOf: descriptor)
        }

        func preparedResponse(toGET path: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse? {
            guard path.hasPrefix("/hot") else { return nil }
            self.prepared.withLockedValue { $0 += 1 }
            if path == "/hot.bin" {
                return PreparedResponse(Response(status: .ok, body: .file(Self.file)))
            }
            if path == "/hot.both" {
                // In memory, and in a file for sendfile.
                let bytes = ByteBuffer(repeating: 0, count: Self.file.count)
                return PreparedResponse(Response(status: .ok, body: .bytes(bytes)), alsoIn: Self.file)
            }
            return PreparedResponse(Self.response(for: path))
        }

        func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
            self.whole.withLockedValue { $0 += 1 }
            if request.path == "/slow" {
                let promise = context.eventLoop.makePromise(of: Response.self)
                self.held.withLockedValue { $0 = promise }
                return promise.futureResult
            }
            if request.path == "/echo" {
                // What the handler saw of the request, for comparing how each path read it.
                let head = request.head
                let fields = head.headerFields.map { "\($0.name.rawName)=\($0.value)" }.joined(separator: ";")
                let seen = "\(head.method) \(head.scheme ?? "-") \(head.authority ?? "-") \(head.path ?? "-") \(fields)"
                return context.eventLoop.makeSucceededFuture(.text(seen))
            }
            if request.path == "/missing" {
                return context.eventLoop.makeFailedFuture(HTTPError(.notFound, detail: "Nothing here."))
            }
            if request.path == "/closing" {
                let response = Response(
                    status: .ok,
                    headerFields: [.connection: "close"],
                    body: .bytes(ByteBuffer(string: "bye"))
                )
                return context.eventLoop.makeSucceededFuture(response)
            }
            if request.path == "/large" {
                let body = ByteBuffer(repeating: UInt8(ascii: "z"), count: 20_000)
                return context.eventLoop.makeSucceededFuture(Response(status: .ok, body: .bytes(body)))
            }
            if request.path == "/file" {
                return context.eventLoop.makeSucceededFuture(Response(status: .ok, body: .file(Self.file)))
            }
            return context.eventLoop.makeSucceededFuture(Self.response(for: request.path))
        }

        func release() {
            self.held.withLockedValue { $0 }?.succeed(Self.response(for: "/slow"))
        }
    }

    private func makeChannel(
        _ files: HotFiles,
        fastPath: Bool = true,
        journey: JourneyRecorders? = nil,
        fileReader: (any FileChunkReader)? = nil,
        timeouts: ConnectionTimeouts = ConnectionTimeouts()
    ) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        var http1 = HTTP1Connection(responder: files, timeouts: timeouts)
        http1.responding.journey = journey
        http1.responding.takesFastPath = fastPath
        http1.fileReader = fileReader
        try http1.configure(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        return channel
    }

    private func send(_ input: String, to channel: EmbeddedChannel) throws -> String {
        try channel.writeInbound(ByteBuffer(string: input))
        return try self.output(of: channel)
    }

    /// Everything written back, with the Date value replaced by `DATE`.
    private func output(of channel: EmbeddedChannel) throws -> String {
        // Answers are flushed at the end of the loop's tick.
        channel.embeddedEventLoop.run()
        var output = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { output += String(buffer: buffer) }
        return output.replacing(/Date: [^\r]+\r\n/, with: "Date: DATE\r\n")
    }

    private func fields(_ response: String) -> Set<Substring> {
        Set(response.split(separator: "\r\n\r\n").first?.split(separator: "\r\n") ?? [])
    }

    @Test func aPreparedAnswerIsWhatTheFullPathAnswers() throws {
        let request = "GET /hot/a.txt?v=2 HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n"
        let fast = HotFiles()
        let fastOutput = try self.send(request, to: try self.makeChannel(fast))
        let whole = HotFiles()
        let wholeOutput = try self.send(request, to: try self.makeChannel(whole, fastPath: false))
        #expect(fast.prepared.withLockedValue { $0 } == 1 && fast.whole.withLockedValue { $0 } == 0)
        #expect(whole.prepared.withLockedValue { $0 } == 0 && whole.whole.withLockedValue { $0 } == 1)
        #expect(self.fields(fastOutput) == self.fields(wholeOutput))
        #expect(fastOutput.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(fastOutput.hasSuffix("\r\n\r\nfile /hot/a.txt"))
        #expect(self.fields(fastOutput).contains("Content-Length: 15"))
    }

    @Test func aKeepAliveAnswerLeavesAsOneBufferAndAClosingOneInPieces() throws {
        let channel = try self.makeChannel(HotFiles())
        try channel.writeInbound(ByteBuffer(string: "GET /hot HTTP/1.1\r\nHost: x\r\n\r\n"))
        channel.embeddedEventLoop.run()
        let whole = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "one write for the whole answer")
        #expect(String(buffer: whole).hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(String(buffer: whole).contains("\r\nDate: "))
        #expect(String(buffer: whole).hasSuffix("GMT\r\n\r\nfile /hot"))
        try channel.writeInbound(ByteBuffer(string: "GET /hot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        channel.embeddedEventLoop.run()
        var pieces: [String] = []
        while let piece = try channel.readOutbound(as: ByteBuffer.self) { pieces.append(String(buffer: piece)) }
        #expect(pieces.filter { !$0.isEmpty }.count == 3, "head, end of head with Connection: close, body")
        #expect(pieces.joined().contains("\r\nConnection: close\r\n\r\nfile /hot"))
    }

    /// The head and the file region `GET path` is answered with, when that is what is written (and nothing more).
    private func headAndFile(answering path: String, on channel: EmbeddedChannel) throws -> (String, FileRegion)? {
        try channel.writeInbound(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n"))
        channel.embeddedEventLoop.run()
        guard case .byteBuffer(let head) = try channel.readOutbound(as: IOData.self),
            case .fileRegion(let region) = try channel.readOutbound(as: IOData.self),
            try channel.readOutbound(as: IOData.self) == nil
        else { return nil }
        return (String(buffer: head), region)
    }

    @Test func aFileNotKeptInMemoryIsHandedToTheKernelUnlessBehindTLS() throws {
        let files = HotFiles()
        let (head, region) = try #require(try self.headAndFile(answering: "/hot.bin", on: try self.makeChannel(files)))
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.contains("\r\nContent-Length: 4096\r\n"))
        #expect(head.hasSuffix(" GMT\r\n\r\n"), "the head ends with the Date line: the file follows")
        #expect(region.readerIndex == 10 && region.endIndex == 10 + 4096)
        #expect(files.whole.withLockedValue { $0 } == 0)

        // Behind TLS the bytes must pass through user space: the full path reads the file.
        let encrypted = HotFiles()
        let tls = try self.makeChannel(encrypted, fileReader: NoFiles())
        _ = try self.send("GET /hot.bin HTTP/1.1\r\nHost: x\r\n\r\n", to: tls)
        #expect(encrypted.whole.withLockedValue { $0 } == 1)
    }

    @Test func aBodyInMemoryAndInAFileGoesBySendfileUnlessBehindTLS() throws {
        let (head, region) = try #require(
            try self.headAndFile(answering: "/hot.both", on: try self.makeChannel(HotFiles()))
        )
        #expect(head.hasSuffix(" GMT\r\n\r\n"))
        #expect(region.endIndex - region.readerIndex == 4096)

        // Behind TLS the body in memory is written whole, still on the fast path.
        let encrypted = HotFiles()
        let tls = try self.makeChannel(encrypted, fileReader: NoFiles())
        try tls.writeInbound(ByteBuffer(string: "GET /hot.both HTTP/1.1\r\nHost: x\r\n\r\n"))
        tls.embeddedEventLoop.run()
        let whole = try #require(try tls.readOutbound(as: ByteBuffer.self))
        #expect(try tls.readOutbound(as: ByteBuffer.self) == nil)
        #expect(whole.readableBytes > 4096 && String(buffer: whole).contains("\r\nContent-Length: 4096\r\n"))
        #expect(encrypted.whole.withLockedValue { $0 } == 0)
    }

    @Test func llhttpJoinsAConnectionOnlyWhenARequestNeedsIt() throws {
        let files = HotFiles()
        let channel = try self.makeChannel(files)
        func hasFullPath() -> Bool {
            (try? channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)) != nil
        }
        #expect(!hasFullPath())
        let hot = try self.send(
            "GET /hot HTTP/1.1\r\nHost: x\r\n\r\nGET /hot2 HTTP/1.1\r\nHost: x\r\n\r\n",
            to: channel
        )
        #expect(hot.components(separatedBy: "HTTP/1.1 200 OK\r\n").count == 3)
        #expect(!hasFullPath(), "hot files only: no llhttp, no request handler")
        let cold = try self.send(
            "GET /cold HTTP/1.1\r\nHost: x\r\n\r\nGET /hot HTTP/1.1\r\nHost: x\r\n\r\n",
            to: channel
        )
        #expect(cold.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(cold.contains("file /cold") && cold.hasSuffix("file /hot"), "the cold answer first, then the hot one")
        #expect(!hasFullPath(), "a routable request is read and answered by the fast path")
        #expect(files.whole.withLockedValue { $0 } == 1)
        // A body needs llhttp.
        let posted = try self.send(
            "POST /cold HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhiGET /hot HTTP/1.1\r\nHost: x\r\n\r\n",
            to: channel
        )
        #expect(
            posted.contains("file /cold") && posted.hasSuffix("file /hot"),
            "the posted answer first, then the hot one"
        )
        #expect(hasFullPath())
        // A head it cannot frame hands llhttp the rest of the connection, the hot GET behind it included.
        #expect(files.whole.withLockedValue { $0 } == 3)
        #expect(files.prepared.withLockedValue { $0 } == 3)
    }

    /// Routable requests with no prepared answer are read and answered by the fast path, and the client cannot tell:
    /// the bytes are the full path's (llhttp, `HTTPRequest(http1:)`, NIO's encoder), in order, what the handler saw
    /// of the request included.
    @Test(arguments: [
        "GET /cold?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n",
        "GET /echo?q=%20 HTTP/1.1\r\nhOsT:  a.example \r\nX-A: 1\r\nx-a:\t2 \r\nCookie: a=1; b=2\r\nX-Empty:\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nPUT /echo HTTP/1.1\r\nHost: x\r\n\r\n",
        "HEAD /cold HTTP/1.1\r\nHost: x\r\n\r\nDELETE /echo HTTP/1.1\r\nHost: x\r\n\r\n",
        "OPTIONS /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /cold HTTP/1.1\r\nHost: x\r\n\r\n",
        "PATCH /missing HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\nGET /closing HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /large HTTP/1.1\r\nHost: x\r\n\r\nGET /echo HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n",
    ])
    func aRoutedAnswerIsTheFullPathsByteForByte(input: String) throws {
        var outputs: [String] = []
        for fastPath in [true, false] {
            let files = HotFiles()
            let channel = try self.makeChannel(files, fastPath: fastPath)
            outputs.append(try self.send(input, to: channel))
            #expect(files.prepared.withLockedValue { $0 } == 0)
            #expect(!outputs[outputs.count - 1].isEmpty)
            if fastPath {
                let decoder = try? channel.pipeline.syncOperations.handler(
                    type: ByteToMessageHandler<HTTPRequestDecoder>.self
                )
                #expect(decoder == nil, "answered without llhttp")
            }
        }
        #expect(outputs[0] == outputs[1])
    }

    /// Keeps the access log's entries.
    final class LogBook: AccessLogSink {
        let entries = NIOLockedValueBox<[AccessLogEntry]>([])
        func record(_ entry: AccessLogEntry) { self.entries.withLockedValue { $0.append(entry) } }
    }

    /// An access log or Server-Timing turns prepared answers off (they have no parsed request), not the reading of
    /// requests ahead of llhttp: those are logged and timed as the full path logs and times them.
    @Test func anAccessLogAndServerTimingKeepRoutedRequestsOnTheFastPath() throws {
        let files = HotFiles()
        let book = LogBook()
        let channel = EmbeddedChannel()
        var http1 = HTTP1Connection(responder: files)
        http1.responding.accessLog = book
        http1.responding.sendsServerTiming = true
        // The stages are timed only while the journey is recorded.
        http1.responding.journey = JourneyRecorders(
            group: channel.embeddedEventLoop,
            clock: JourneyClock(),
            keepsRecentRequests: false
        )
        try http1.configure(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        let output = try self.send(
            "GET /hot HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\nDELETE /cold?a=1 HTTP/1.1\r\nHost: y\r\n\r\n",
            to: channel
        )
        #expect(output.components(separatedBy: "HTTP/1.1 200 OK\r\n").count == 3)
        #expect(output.components(separatedBy: "\r\nServer-Timing: ").count == 3)
        #expect(files.prepared.withLockedValue { $0 } == 0, "no prepared answer: it would be neither logged nor timed")
        #expect(files.whole.withLockedValue { $0 } == 2)
        let decoder = try? channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        #expect(decoder == nil, "read without llhttp")
        let entries = book.entries.withLockedValue { $0 }
        #expect(entries.map(\.requestLine) == ["GET /hot HTTP/1.1", "DELETE /cold?a=1 HTTP/1.1"])
        #expect(entries.map(\.host) == ["x", "y"])
        #expect(entries.first?.userAgent == "t")
        #expect(entries.allSatisfy { $0.status == 200 && $0.remoteAddress != nil })
    }

    @Test func aRoutedFileGoesBySendfileAndBehindTLSInChunks() throws {
        let channel = try self.makeChannel(HotFiles())
        try channel.writeInbound(ByteBuffer(string: "GET /file HTTP/1.1\r\nHost: x\r\n\r\n"))
        channel.embeddedEventLoop.run()
        let head = String(buffer: try #require(try channel.readOutbound(as: ByteBuffer.self)))
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n") && head.contains("\r\nContent-Length: 4096\r\n"))
        let region = try #require(try channel.readOutbound(as: IOData.self))
        guard case .fileRegion(let file) = region else {
            Issue.record("not a file region: \(region)")
            return
        }
        #expect(file.endIndex - file.readerIndex == 4096)
        #expect(channel.isActive)
    }

    @Test func aDrainWhileARoutedRequestIsAnsweredClosesAfterTheAnswer() throws {
        let files = HotFiles()
        let channel = try self.makeChannel(files)
        let early = try self.send(
            "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /hot HTTP/1.1\r\nHost: x\r\n\r\n",
            to: channel
        )
        #expect(early.isEmpty)
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(channel.isActive, "the request in hand is answered first")
        files.release()
        let output = try self.output(of: channel)
        #expect(output.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(self.fields(output).contains("Connection: close"))
        #expect(output.hasSuffix("file /slow"), "what waited behind it is not answered")
        #expect(!channel.isActive)
    }

    @Test func aHalfCloseWhileARoutedRequestIsAnsweredAnswersWhatCameBefore() throws {
        let files = HotFiles()
        let channel = try self.makeChannel(files)
        _ = try self.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /cold HTTP/1.1\r\nHost: x\r\n\r\n", to: channel)
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(channel.isActive)
        files.release()
        let bodies = try self.output(of: channel).matches(of: /file (\/(?:hot\d?|cold|slow|form))/).map {
            String($0.output.1)
        }
        #expect(bodies == ["/slow", "/cold"])
        #expect(!channel.isActive)
    }

    /// Header 5 s, body 8 s, keep-alive 12 s, write 30 s.
    private let shortTimeouts = ConnectionTimeouts(
        headerRead: .seconds(5),
        bodyRead: .seconds(8),
        keepAliveIdle: .seconds(12),
        write: .seconds(30)
    )

    /// Moves the loop's clock to a second before `seconds` from now (the connection still open), then to `seconds`
    /// (closed).
    private func expect(
        _ channel: EmbeddedChannel,
        toCloseAfter seconds: Int64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        channel.embeddedEventLoop.advanceTime(by: .seconds(seconds - 1))
        #expect(channel.isActive, "open a second before the deadline", sourceLocation: sourceLocation)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive, "closed at the deadline", sourceLocation: sourceLocation)
    }

    @Test func theFastPathKeepsTheDeadlinesWithNoHandlerAheadOfIt() throws {
        let channel = try self.makeChannel(HotFiles(), timeouts: self.shortTimeouts)
        #expect((try? channel.pipeline.syncOperations.handler(type: ConnectionDeadlineHandler.self)) == nil)
        // A head in pieces: the header timeout runs from its first byte.
        #expect(try self.send("GET /hot HTTP/1.1\r\nHo", to: channel).isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(try self.send("st: x\r\n\r\n", to: channel).hasSuffix("file /hot"))
        // Answered: now the keep-alive clock, 12 s, runs.
        self.expect(channel, toCloseAfter: 12)
    }

    @Test func theFastPathClosesAHeadThatStalls() throws {
        let channel = try self.makeChannel(HotFiles(), timeouts: self.shortTimeouts)
        #expect(try self.send("GET /hot HTTP/1.1\r\nHost: x\r\n\r\n", to: channel).hasSuffix("file /hot"))
        #expect(try self.send("GET /hot HTTP/1.1\r\n", to: channel).isEmpty)
        self.expect(channel, toCloseAfter: 5)
    }

    @Test func aFullSendQueueSendsTheRequestTheFullPathToWait() throws {
        let files = HotFiles()
        // Keep-alive longer than the write timeout, so that only the full queue can close the connection.
        let channel = try self.makeChannel(
            files,
            timeouts: ConnectionTimeouts(keepAliveIdle: .seconds(75), write: .seconds(30))
        )
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(try self.send("GET /hot HTTP/1.1\r\nHost: x\r\n\r\n", to: channel).isEmpty)
        #expect(files.prepared.withLockedValue { $0 } == 0, "not answered while the client reads nothing")
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(try self.output(of: channel).hasSuffix("file /hot"))
        #expect(files.whole.withLockedValue { $0 } == 1)
        // The next one, with room in the queue, takes the fast path again; a queue that then stays full past the
        // write timeout closes the connection.
        #expect(try self.send("GET /hot HTTP/1.1\r\nHost: x\r\n\r\n", to: channel).hasSuffix("file /hot"))
        #expect(files.prepared.withLockedValue { $0 } == 1)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        self.expect(channel, toCloseAfter: 30)
    }

    @Test func connectionCloseIsAnsweredAndCloses() throws {
        let files = HotFiles()
        let channel = try self.makeChannel(files)
        let output = try self.send(
            "GET /hot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /hot2 HTTP/1.1\r\nHost: x\r\n\r\n",
            to: channel
        )
        #expect(self.fields(output).contains("Connection: close"))
        #expect(output.components(separatedBy: "HTTP/1.1 200").count == 2)
        #expect(!channel.isActive)
    }

    @Test func requestsTheFullPathAnswersKeepTheirPlaceInThePipeline() throws {
        let files = HotFiles()
        let channel = try self.makeChannel(files)
        let output = try self.send(
            "GET /hot1 HTTP/1.1\r\nHost: x\r\n\r\nGET /cold HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /hot2 HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"z\"\r\n\r\nGET /hot3 HTTP/1.1\r\nHost: x\r\n\r\n",
            to: channel
        )
        let bodies = output.matches(of: /file (\/(?:hot\d?|cold|slow|form))/).map { String($0.output.1) }
        #expect(bodies == ["/hot1", "/cold", "/hot2", "/hot3"])
        // After llhttp's answers the fast path takes over again.
        #expect(files.prepared.withLockedValue { $0 } == 2)
        #expect(files.whole.withLockedValue { $0 } == 2)
        #expect(channel.isActive)
    }

    @Test func aRequestAnsweredLaterHoldsBackTheOnesBehindIt() throws {
        let files = HotFiles()
        let channel = try self.makeChannel(files)
        let early = try self.send(
            "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /hot HTTP/1.1\r\nHost: x\r\n\r\n",
            to: channel
        )
        #expect(early.isEmpty)
        files.release()
        channel.embeddedEventLoop.run()
        let bodies = try self.output(of: channel).matches(of: /file (\/(?:hot\d?|cold|slow|form))/).map {
            String($0.output.1)
        }
        #expect(bodies == ["/slow", "/hot"])
        #expect(files.prepared.withLockedValue { $0 } == 1)
    }

    @Test func aBodyHandsTheRestOfTheConnectionToLlhttpInOrder() throws {
        let files = HotFiles()
        let channel = try self.makeChannel(files)
        let output = try self.send(
            "GET /hot1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                + "GET /hot2 HTTP/1.1\r\nHost: x\r\n\r\n",
            to: channel
        )
        let bodies = output.matches(of: /file (\/(?:hot\d?|cold|slow|form))/).map { String($0.output.1) }
        #expect(bodies == ["/hot1", "/form", "/hot2"])
        #expect(files.prepared.withLockedValue { $0 } == 1)
        #expect(channel.isActive)
    }

    @Test func aHeadInPiecesIsAnsweredWhenComplete() throws {
        let files = HotFiles()
        let channel = try self.makeChannel(files)
        #expect(try self.send("GET /hot HTTP/1.1\r\nHo", to: channel).isEmpty)
        #expect(try self.send("st: x\r\n", to: channel).isEmpty)
        #expect(try self.send("\r\n", to: channel).hasSuffix("file /hot"))
        #expect(files.prepared.withLockedValue { $0 } == 1)
    }

    @Test func garbageAfterAnAnswerGetsLlhttpsStatus() throws {
        let files = HotFiles()
        let channel = try self.makeChannel(files)
        let output = try self.send(
            "GET /hot HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost : x\r\n\r\n",
            to: channel
        )
        #expect(output.hasPrefix("HTTP/1.1 200 OK"))
        #expect(output.contains("HTTP/1.1 400 Bad Request"))
        #expect(!channel.isActive)
    }

    @Test func aHalfCloseClosesAfterTheLastAnswer() throws {
        let files = HotFiles()
        let channel = try self.makeChannel(files)
        #expect(try self.send("GET /hot HTTP/1.1\r\nHost: x\r\n\r\n", to: channel).hasSuffix("file /hot"))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }

    /// Found by the differential fuzzer: a head cut short by the client's half-close gets llhttp's 400, as it does
    /// without the fast path.
    @Test(arguments: ["H", "GET /hot HTTP/1.1\r\nHost: x\r\n\r\nGET /hot HTTP/1.1\r\n"])
    func aHeadCutShortByAHalfCloseGetsTheFullPathsAnswer(input: String) throws {
        var outputs: [String] = []
        for fastPath in [true, false] {
            let channel = try self.makeChannel(HotFiles(), fastPath: fastPath)
            var output = try self.send(input, to: channel)
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            output += try self.output(of: channel)
            #expect(output.hasSuffix("</html>\n"))
            #expect(output.contains("HTTP/1.1 400 Bad Request"))
            #expect(!channel.isActive)
            outputs.append(output)
        }
        // The same lines, field order aside (the fast path lays its 200 out in its own order).
        let lines = outputs.map { $0.components(separatedBy: "\r\n").sorted() }
        #expect(lines[0] == lines[1])
    }

    /// The differential fuzzer's property on inputs it found and a few more: the same lines back with and without
    /// the fast path (field order aside), whether the bytes come at once or one by one, then a half-close.
    @Test(arguments: [
        "ArArrAa ", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET /hot HTTP/1.1\r\nHost: x\r\n\r\nXY\u{1} /",
        "GET /hot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "GET /hot HTTP/1.0\r\n\r\nGET /hot HTTP/1.1\r\n",
        "GET /hot HTTP/1.1\r\nHost: x\r\n\r\nPOST /hot HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nz",
    ])
    func theFastPathAnswersWhatTheFullPathAnswers(input: String) throws {
        for chunk in [input.utf8.count, 1] {
            var outputs: [[Substring]] = []
            for fastPath in [true, false] {
                let channel = try self.makeChannel(HotFiles(), fastPath: fastPath)
                var output = ""
                var rest = Substring(input)
                while !rest.isEmpty, channel.isActive {
                    output += try self.send(String(rest.prefix(chunk)), to: channel)
                    rest = rest.dropFirst(chunk)
                }
                channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
                output += try self.output(of: channel)
                outputs.append(output.split(separator: "\r\n", omittingEmptySubsequences: false).sorted())
            }
            #expect(outputs[0] == outputs[1], "\(input.debugDescription) in pieces of \(chunk)")
        }
    }

    @Test func theJourneyIsStampedAsTheFullPathStampsIt() throws {
        let files = HotFiles()
        let channel = EmbeddedChannel()
        let recorders = JourneyRecorders(
            group: channel.embeddedEventLoop,
            clock: JourneyClock(),
            keepsRecentRequests: true
        )
        var http1 = HTTP1Connection(responder: files)
        http1.responding.journey = recorders
        try http1.configure(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        let recorder = try #require(recorders.recorder(on: channel.embeddedEventLoop))
        let request = "GET /hot HTTP/1.1\r\nHost: x\r\n\r\n"
        // Two answers in one flush, one the full path, one more.
        _ = try self.send(request + request + "GET /cold HTTP/1.1\r\nHost: x\r\n\r\n" + request, to: channel)
        #expect(files.prepared.withLockedValue { $0 } == 3)

        let interval = recorder.takeInterval()
        #expect(interval.requests == 4)
        #expect(interval.statusClasses[2] == 4)
        #expect(interval.bodyBytes == 9 + 9 + 10 + 9)
        for stage in [Stage.read, .parse, .process, .write, .total] {
            #expect(interval.stages[stage.rawValue].count == 4, "\(stage)")
        }
        #expect(interval.phases[ConnectionPhase.idle.rawValue] == 1)
        #expect(interval.phases.reduce(0, +) == 1)
        #expect(interval.recent.map(\.path) == ["/hot", "/hot", "/cold", "/hot"])
        for timeline in interval.recent.map(\.timeline) {
            #expect(timeline.firstByte <= timeline.headParsed)
            #expect(timeline.headParsed <= timeline.processed)
            #expect(timeline.processed <= timeline.lastByteWritten)
        }
    }
}
