import HTTPTypes
import JourneyConnection
import JourneyCore
import Logging
import NIOCore

/// Answers a plain GET of a hot file straight from the bytes, ahead of llhttp: the open-file cache's prepared
/// response goes out whole with this second's `Date` line, in one write, and the request costs no parsing into
/// objects, no future, no field formatting (nginx's static path, where a cached file is a lookup and a `writev`).
///
/// A routable head with no prepared answer (an HTTP/1.1 request without a body, one valid Host, no `Expect`: a
/// routed API call, a conditional GET) is read into a `Request` here (`ScannedRequest`) and handed to the responder
/// straight away; its response is laid out here (`HTTP1ResponseHead`) and written with its body, whatever its kind
/// (bytes, file, parts, stream), and the next head waits until it is complete. This skips llhttp, NIO's HTTP
/// objects, its pipelining handler and encoder, which cost a routed request four fifths of its server time.
///
/// Every other request takes the full path: llhttp, NIO's HTTP handlers and the request handler, which parse it into
/// a `Request` and ask the `Responder`. A head the scan frames (well-formed, no body) is handed to llhttp
/// alone, and the fast path waits until the request handler has answered it before it looks at the next one,
/// so responses keep request order; anything it cannot frame (a body, an upgrade, a malformed or unusual head)
/// hands llhttp the rest of the connection. The journey is stamped exactly as the parse tap and request handler
/// stamp it. It keeps the connection's read and write deadlines itself (`ConnectionDeadlineKeeper`), as the first
/// handler to see its reads: no handler ahead of it, one object fewer for each request to touch.
///
/// Its per-request fields skip the runtime's exclusivity check (`@exclusivity(unchecked)`): the handler runs only on
/// its event loop and no access to them spans a call that can come back into it, so the check (a thread-local
/// lookup per access) could never fire, and it was 9 % of a cached request's instructions with the timeline's,
/// the recorder's and `DatedAnswerCache`' (callgrind, Benchmarks/RESULTS.md).
final class HTTP1FastPath: ChannelDuplexHandler, RemovableChannelHandler, ConnectionDeadlineKeeper {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: any PreparedResponder
    /// Whether prepared answers are given (`HTTPResponding.answersPrepared`); requests read here are answered either
    /// way.
    private let answersPrepared: Bool
    /// Where the requests read here are logged, if anywhere.
    private let accessLog: (any AccessLogSink)?
    /// Whether their responses carry `Server-Timing`.
    private let sendsServerTiming: Bool
    /// The logger handed to the handlers of the requests answered here, and where their failures are logged.
    private let logger: Logger
    /// Where file bodies are read from when they cannot go by sendfile (behind TLS).
    private let fileReader: (any FileChunkReader)?
    /// The executor of the tasks this connection's handlers run in, made by the first request that needs it.
    @exclusivity(unchecked) private var taskExecutor: EventLoopTaskExecutor?
    /// Who the client is behind a trusted proxy.
    @exclusivity(unchecked) private var clientAddresses = ClientAddressLookup()
    /// The streamed body of the response going out, if any: cancelled when the client goes or the server drains.
    @exclusivity(unchecked) private var streaming: StreamedResponse?
    /// The server asked the connection to close while a response was being made: it closes once that has left.
    @exclusivity(unchecked) private var isDraining = false
    /// The client half-closed while a response was being made: what it sent before is answered, then it closes.
    @exclusivity(unchecked) private var inputClosedWhileResponding = false
    /// A read was held back while a response was being made and requests piled up behind it.
    @exclusivity(unchecked) private var heldRead = false
    /// The responder's answers depend on the Host field (several sites): the scan then keeps it.
    private let answersByHost: Bool
    /// This event loop's answers laid out whole, and its `Date` line.
    private let answers: DatedAnswerCache
    /// Whether a prepared file is handed to the kernel (sendfile); false behind TLS, where the full path reads it.
    private let sendsFiles: Bool
    /// A file was written since the last flush, behind TCP_CORK: uncork once it is flushed.
    @exclusivity(unchecked) private var isCorked = false
    /// The channel's writability, as its last change said: asking the channel itself for every request touches one
    /// more of its cache lines, which at a thousand connections is likely a miss.
    @exclusivity(unchecked) private var isWritable = true
    private let limits: HTTP1Limits
    /// The connection's read and write deadlines; the request handler reports its requests' boundaries here too.
    @exclusivity(unchecked) var deadlines: ConnectionDeadlines
    private let timeline: ConnectionTimeline
    @exclusivity(unchecked) private var mode = Mode.answering
    /// Bytes read but not yet answered or handed on: a head still arriving, or requests behind one llhttp has.
    /// Emptied to a shared empty buffer, so an idle connection does not keep its last read's memory.
    @exclusivity(unchecked) private var unread = HTTP1FastPath.nothing
    /// Where each read after the first began in `unread` (writer indices), so that bytes handed on to llhttp arrive
    /// in the pieces they were read in: its answer to a malformed head can depend on where a read ended.
    @exclusivity(unchecked) private var readStarts: [Int] = []
    /// Answers written since the last flush (the flush is due while there are any); their journeys are recorded
    /// once their last byte has left.
    /// The first is kept apart, so the usual one answer per flush needs no array storage kept per connection.
    @exclusivity(unchecked) private var unrecorded: Answer?
    @exclusivity(unchecked) private var moreUnrecorded: [Answer] = []
    @exclusivity(unchecked) private var context: ChannelHandlerContext?
    /// The channel's options, asked after each flush whether anything is still queued: fetched once, as making them
    /// costs a third of the asking.
    @exclusivity(unchecked) private var options: (any NIOSynchronousChannelOptions)?
    /// Inside `answer`: a hand-back from the request handler then only changes the mode, the loop carries on.
    @exclusivity(unchecked) private var isAnswering = false
    /// Bytes went on to llhttp since the last read completed, so the handlers behind must hear of its end too.
    @exclusivity(unchecked) private var forwardedSinceReadComplete = false
    /// Adds the full path behind this handler; called (then dropped) before the first byte or event goes on to it.
    var addsFullPath: ((HTTP1FastPath) throws -> Void)?

    /// What the journey needs of an answer once it has left.
    private struct Answer {
        var timeline: RequestTimeline
        var status: Int
        var bodyBytes: Int
        var path: Substring
        var host: Substring?
    }

    private enum Mode {
        /// Answering prepared responses, head by head.
        case answering
        /// llhttp has a request; the bytes after it wait in `unread`.
        case waiting
        /// The responder has a request read here; the bytes after it wait in `unread`.
        case responding
        /// llhttp has the rest of the connection.
        case passingThrough
        /// A response asked to close; nothing more is read.
        case closing
    }

    /// Stops waiting for llhttp when this many bytes of further requests pile up behind it; they are then handed to
    /// it too, and its own backpressure (NIO's pipelining handler) takes over.
    private static let waitingLimit = 64 * 1024
    private static let nothing = ByteBuffer()

    init(
        responder: any PreparedResponder,
        responding: HTTPResponding,
        answers: DatedAnswerCache,
        fileReader: (any FileChunkReader)?,
        limits: HTTP1Limits,
        timeouts: ConnectionTimeouts,
        timeline: ConnectionTimeline
    ) {
        self.responder = responder
        self.answersPrepared = responding.answersPrepared
        self.accessLog = responding.accessLog
        self.sendsServerTiming = responding.sendsServerTiming
        self.logger = responding.logger
        self.fileReader = fileReader
        self.sendsFiles = fileReader == nil
        self.answersByHost = responder.answersByHost
        self.answers = answers
        self.limits = limits
        self.deadlines = ConnectionDeadlines(timeouts: timeouts)
        self.timeline = timeline
    }

    var deadlineContext: ChannelHandlerContext? { self.context }

    /// The responder's prepared answer for a plain GET, asked with the host when answers depend on it.
    private func prepared(_ path: Substring, host: Substring?, sendsAcceptEncoding: Bool) -> PreparedResponse? {
        guard self.answersByHost else {
            return self.responder.preparedResponse(toGET: path, sendsAcceptEncoding: sendsAcceptEncoding)
        }
        guard let host else { return nil }
        return self.responder.preparedResponse(toGET: path, host: host, sendsAcceptEncoding: sendsAcceptEncoding)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.options = context.channel.syncOptions
        if context.channel.isActive { self.deadlines.connectionOpened(context: context, keeper: self) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.deadlines.stop()
        self.context = nil
        // They hold the channel, which holds this handler.
        self.options = nil
        // The closure holds the pipeline, which held this handler: let both go.
        self.addsFullPath = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.deadlines.connectionOpened(context: context, keeper: self)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.deadlines.stop()
        self.streaming?.cancel()
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        // Requests pile up behind a response still being made: the socket waits until it is complete.
        if case .responding = self.mode, self.unread.readableBytes > Self.waitingLimit {
            self.heldRead = true
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.isWritable = context.channel.isWritable
        self.deadlines.writabilityChanged(context: context, keeper: self)
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Unwrapped once: each unwrap is a type check at run time.
        let bytes = Self.unwrapInboundIn(data)
        self.deadlines.bytesReceived(bytes.readableBytes, context: context, keeper: self)
        switch self.mode {
        case .passingThrough:
            self.forwardedSinceReadComplete = true
            context.fireChannelRead(data)
        case .closing:
            break
        case .waiting:
            self.append(bytes)
            if self.unread.readableBytes > Self.waitingLimit { self.passThrough(context: context) }
        case .responding:
            self.append(bytes)
        case .answering:
            self.timeline.bytesArrived()
            self.append(bytes)
            self.answer(context: context)
        }
    }

    private func append(_ bytes: ByteBuffer) {
        guard self.unread.readableBytes > 0 else {
            self.unread = bytes
            return
        }
        var bytes = bytes
        self.readStarts.append(self.unread.writerIndex)
        self.unread.writeBuffer(&bytes)
    }

    /// Empties `unread`, so an idle connection does not keep its last read's memory.
    private func forgetUnread() {
        self.unread = Self.nothing
        self.readStarts.removeAll(keepingCapacity: true)
    }

    /// The request handler has queued its whole answer to the request handed to llhttp: the next request is ours
    /// again.
    func requestHandlerAnswered() {
        guard case .waiting = self.mode, let context = self.context else { return }
        self.mode = .answering
        // From inside `answer` the loop carries on; otherwise no read is in progress to flush at its end.
        guard !self.isAnswering, self.unread.readableBytes > 0 else { return }
        self.answer(context: context)
        self.flushAnswers()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch (self.mode, event) {
        case (.answering, ChannelEvent.inputClosed) where self.unread.readableBytes > 0:
            // A head cut short by the client's close: llhttp's word on it (400), as if it had had it all along.
            self.passThrough(context: context)
            context.fireUserInboundEventTriggered(event)
        case (.answering, ChannelEvent.inputClosed), (.answering, is ChannelShouldQuiesceEvent):
            // Half-closed by the client, or the server is shutting down: close once the last answer has left (on
            // shutdown a head still arriving is abandoned, as the request handler does).
            self.mode = .closing
            self.closeAfterLastResponse(context: context)
        case (.waiting, ChannelEvent.inputClosed):
            // The requests behind the one llhttp has are complete: llhttp answers them, then sees the half-close.
            self.passThrough(context: context)
            context.fireUserInboundEventTriggered(event)
        case (.waiting, is ChannelShouldQuiesceEvent):
            // The request handler finishes the request it has and closes; what waits here is not answered.
            self.mode = .passingThrough
            self.forgetUnread()
            context.fireUserInboundEventTriggered(event)
        case (.responding, ChannelEvent.inputClosed):
            self.inputClosedWhileResponding = true
        case (.responding, is ChannelShouldQuiesceEvent):
            // The response in hand is finished (a stream that would go on forever ends now, cleanly), then the
            // connection closes; what waits here is not answered.
            self.isDraining = true
            self.streaming?.cancel()
        case (.closing, _):
            break
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // One flush for every answer of the read (a pipelining client's requests leave in one `writev`). Deferring it
        // to the end of the loop's tick, as the RESP listener does, measured no gain here and a worse p99.
        self.flushAnswers()
        // Handlers behind that saw no read need no end of one.
        if self.forwardedSinceReadComplete {
            self.forwardedSinceReadComplete = false
            context.fireChannelReadComplete()
        }
    }

    private func flushAnswers() {
        // Answers written since the last flush are exactly the unrecorded ones.
        guard self.unrecorded != nil, let context = self.context else { return }
        context.flush()
        if self.isCorked {
            // What the kernel held back leaves now, in full segments.
            TCPCork.set(false, on: context)
            self.isCorked = false
        }
        self.recordWhenWritten(context: context)
    }

    /// Answers the heads in `unread`, in order, until one needs llhttp or the bytes run out; their flush comes at
    /// the end of the read.
    private func answer(context: ChannelHandlerContext) {
        self.isAnswering = true
        defer {
            self.isAnswering = false
            if self.unread.readableBytes == 0 { self.forgetUnread() }
        }
        while case .answering = self.mode, self.unread.readableBytes > 0 {
            let outcome = RequestHeadScan.scan(
                self.unread,
                maximumLineLength: self.limits.maximumRequestLineLength,
                maximumHeadLength: self.limits.maximumHeaderSectionSize,
                capturesHost: self.answersByHost
            )
            switch outcome {
            case .incomplete:
                // The header timeout (armed in `channelRead`) bounds how long this waits.
                return
            case .unframeable:
                self.passThrough(context: context)
                return
            case .head(let head):
                // A full send queue: the request handler parks the request until it drains.
                if self.answersPrepared, let path = head.plainGETPath, self.isWritable,
                    let prepared = self.prepared(
                        path,
                        host: head.plainGETHost,
                        sendsAcceptEncoding: head.sendsAcceptEncoding
                    ),
                    prepared.bodyIsInMemory || self.sendsFiles
                {
                    self.unread.moveReaderIndex(forwardBy: head.length)
                    self.write(prepared, path: path, host: head.plainGETHost, closing: head.closes, context: context)
                } else if head.isRoutable, self.isWritable {
                    let request = ScannedRequest(head: self.unread.readSlice(length: head.length)!)
                    self.respond(to: request, closing: head.closes, context: context)
                } else {
                    guard self.ensuresFullPath(context: context) else { return }
                    let request = self.unread.readSlice(length: head.length)!
                    self.mode = .waiting
                    // The answers so far leave now: llhttp's may take a while (a file looked up on the thread pool).
                    self.flushAnswers()
                    self.forwardedSinceReadComplete = true
                    context.fireChannelRead(Self.wrapInboundOut(request))
                }
            }
        }
    }

    /// Writes `prepared`: its content by sendfile when it is in a file and the connection can send one (else from
    /// memory), the head laid out once a second with the `Date` line unless the connection closes.
    private func write(
        _ prepared: PreparedResponse,
        path: Substring,
        host: Substring?,
        closing: Bool,
        context: ChannelHandlerContext
    ) {
        let timeline = self.timeline
        var requestTimeline = timeline.takeBodilessRequest()
        self.deadlines.headReceived(expectsBody: false, context: context, keeper: self)
        timeline.move(to: .processing)
        requestTimeline.processed = timeline.clock.now()
        timeline.move(to: .writing)
        let file = self.sendsFiles ? prepared.file : nil
        if file != nil, !self.isCorked {
            TCPCork.set(true, on: context)
            self.isCorked = true
        }
        if !closing, let laidOut = file == nil ? self.answers.whole(prepared) : self.answers.head(prepared) {
            // `NIOAny(_:)` on a known `ByteBuffer` folds to the buffer; `wrapOutboundOut`, left generic by the
            // optimizer, checked its type at run time (~490 instructions a request under callgrind).
            context.write(NIOAny(laidOut), promise: nil)
        } else {
            context.write(Self.wrapOutboundOut(prepared.head), promise: nil)
            context.write(Self.wrapOutboundOut(self.answers.endOfHead(closing: closing)), promise: nil)
            if file == nil { context.write(Self.wrapOutboundOut(prepared.body), promise: nil) }
        }
        if let file {
            // The slice keeps the descriptor open until it has left, even if the open-file cache lets go of it.
            SendfileWriter.write(file, on: context.eventLoop) { region, sent in
                context.write(NIOAny(IOData.fileRegion(region)), promise: sent)
            }
        }
        let answer = Answer(
            timeline: requestTimeline,
            status: prepared.status,
            bodyBytes: prepared.contentLength,
            path: path,
            host: host
        )
        if self.unrecorded == nil {
            self.unrecorded = answer
        } else {
            self.moreUnrecorded.append(answer)
        }
        if closing {
            self.mode = .closing
            self.closeAfterLastResponse(context: context)
        } else {
            self.deadlines.responseSent(context: context, keeper: self)
        }
    }

    // MARK: Requests read here, answered by the responder

    /// Hands `scanned` to the responder; the heads after it wait until its response is complete.
    private func respond(to scanned: ScannedRequest, closing: Bool, context: ChannelHandlerContext) {
        // The answers so far leave now: this one may take a while.
        self.flushAnswers()
        self.mode = .responding
        let timeline = self.timeline
        let answered = AnsweredRequest(
            scanned.request,
            method: scanned.method,
            target: scanned.target,
            timeline: timeline.takeBodilessRequest()
        )
        self.deadlines.headReceived(expectsBody: false, context: context, keeper: self)
        timeline.move(to: .processing)
        var requestContext = RequestContext(channel: context.channel, logger: self.logger, timeline: answered.timeline)
        if self.taskExecutor == nil { self.taskExecutor = EventLoopTaskExecutor(context.eventLoop) }
        requestContext.taskExecutor = self.taskExecutor
        requestContext.clientAddress = self.clientAddress(of: scanned.request, context: context)
        self.responder.respond(to: scanned.request, context: requestContext)
            .hop(to: context.eventLoop)
            .assumeIsolated()
            .whenComplete { result in
                var answered = answered
                answered.timeline.processed = timeline.clock.now()
                let response = ErrorPage.response(for: result) { error in
                    self.logger.error(
                        "handler failed",
                        metadata: ["request": "\(answered.requestLine)", "error": "\(error)"]
                    )
                }
                self.write(response, answering: answered, closing: closing, context: context)
            }
    }

    /// Writes the responder's `response` to `answered`: its head laid out here, its body as its kind goes.
    private func write(
        _ response: Response,
        answering answered: AnsweredRequest,
        closing: Bool,
        context: ChannelHandlerContext
    ) {
        // The responder may ask to close with `Connection`; the answer's is written here.
        var response = response
        let asksToClose = response.takeConnectionClose()
        let keepAlive = !closing && !asksToClose && !self.isDraining
        let finished = FinishedResponse(
            consume response,
            answering: answered.request.head.method,
            date: DateHeader.now,
            serverTiming: self.sendsServerTiming ? answered.timeline.serverTiming : nil
        )
        let status = finished.status
        let notes = finished.notes
        let body = finished.body
        var chunked = false
        if case .stream = body { chunked = HTTP1ResponseHead.isChunked(finished.head) }
        var head = context.channel.allocator.buffer(capacity: 512)
        HTTP1ResponseHead.write(finished.head, closing: !keepAlive, chunked: chunked, into: &head)
        self.timeline.move(to: .writing)
        let ending = Ending(answered: answered, status: status, notes: notes, keepAlive: keepAlive)
        switch body {
        case .empty:
            context.write(NIOAny(head), promise: nil)
            self.end(ending, bodyBytes: 0, context: context)
        case .bytes(let bytes):
            // A small body leaves in the head's buffer: one write, one segment.
            if bytes.readableBytes <= Self.copiedBodyLimit {
                head.writeImmutableBuffer(bytes)
                context.write(NIOAny(head), promise: nil)
            } else {
                context.write(NIOAny(head), promise: nil)
                context.write(NIOAny(bytes), promise: nil)
            }
            self.end(ending, bodyBytes: bytes.readableBytes, context: context)
        case .stream(let stream):
            context.writeAndFlush(NIOAny(head), promise: nil)
            self.stream(stream, chunked: chunked, ending: ending, context: context)
        case .file, .parts:
            guard let reader = self.fileReader else {
                // By sendfile, corked: the head and the file's first bytes leave in full segments.
                TCPCork.set(true, on: context)
                context.write(NIOAny(head), promise: nil)
                self.writeInPlace(body, context: context)
                self.end(ending, bodyBytes: body.count, uncorking: true, context: context)
                return
            }
            // Behind TLS: the file is read in chunks off the loop, each written once the one before has left.
            context.writeAndFlush(NIOAny(head), promise: nil)
            StreamedBodyWriter.write(body, reading: reader, on: context.eventLoop, allocator: context.channel.allocator)
            {
                chunk in
                let promise = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(NIOAny(chunk), promise: promise)
                return promise.futureResult
            }.assumeIsolated().whenComplete { result in
                switch result {
                case .success:
                    self.end(ending, bodyBytes: body.count, context: context)
                case .failure(let error):
                    self.logger.debug("file body failed", metadata: ["error": "\(error)"])
                    self.abandonResponse(context: context)
                }
            }
        }
    }

    /// A body up to this size is copied behind the head rather than written as a second buffer.
    private static let copiedBodyLimit = 16 * 1024

    /// What ending a response needs of it.
    private struct Ending {
        var answered: AnsweredRequest
        var status: Int
        var notes: ResponseNotes
        var keepAlive: Bool
    }

    /// Writes a body of files and bytes: the files by sendfile.
    private func writeInPlace(_ body: ResponseBody, context: ChannelHandlerContext) {
        func write(_ slice: FileSlice) {
            SendfileWriter.write(slice, on: context.eventLoop) { region, sent in
                context.write(NIOAny(IOData.fileRegion(region)), promise: sent)
            }
        }
        switch body {
        case .empty, .stream: break
        case .bytes(let bytes): context.write(NIOAny(bytes), promise: nil)
        case .file(let slice): write(slice)
        case .parts(let parts):
            for part in parts {
                switch part {
                case .bytes(let bytes): context.write(NIOAny(bytes), promise: nil)
                case .file(let slice): write(slice)
                }
            }
        }
    }

    /// Runs a streamed body's producer, each chunk written as it comes (chunked unless the handler framed it), then
    /// its trailers.
    private func stream(_ stream: ResponseBodyStream, chunked: Bool, ending: Ending, context: ChannelHandlerContext) {
        let allocator = context.channel.allocator
        let streaming = StreamedResponse(stream, on: context.eventLoop) { chunk in
            // An empty chunk would end a chunked body.
            guard chunk.readableBytes > 0 else { return context.eventLoop.makeSucceededVoidFuture() }
            let promise = context.eventLoop.makePromise(of: Void.self)
            let framed = chunked ? HTTP1ResponseHead.chunk(chunk, allocator: allocator) : chunk
            context.writeAndFlush(NIOAny(framed), promise: promise)
            return promise.futureResult
        }
        self.streaming = streaming
        streaming.ended.assumeIsolated().whenComplete { result in
            self.streaming = nil
            switch result {
            case .success(let trailers):
                if chunked {
                    context.write(
                        NIOAny(HTTP1ResponseHead.lastChunk(trailers: trailers, allocator: allocator)),
                        promise: nil
                    )
                }
                self.end(ending, bodyBytes: streaming.bytesWritten, context: context)
            case .failure(let error):
                self.logger.debug("streamed body failed", metadata: ["error": "\(error)"])
                self.abandonResponse(context: context)
            }
        }
    }

    /// The response's last byte is queued: it is flushed, its journey recorded once it has left, and the next head
    /// is read (or the connection closes).
    private func end(_ ending: Ending, bodyBytes: Int, uncorking: Bool = false, context: ChannelHandlerContext) {
        context.flush()
        if uncorking { TCPCork.set(false, on: context) }
        let timeline = self.timeline
        let accessLog = self.accessLog
        let client =
            timeline.wantsClientAddress(accessLog: accessLog)
            ? self.clientAddress(of: ending.answered.request, context: context) ?? context.channel.remoteAddress : nil
        func record() {
            timeline.responseWritten()
            timeline.requestCompleted(
                ending.answered,
                status: ending.status,
                bodyBytes: bodyBytes,
                accessLog: accessLog,
                remoteAddress: client,
                notes: ending.notes
            )
        }
        self.whenFlushedBytesLeave(context: context, record)
        guard ending.keepAlive, !self.isDraining else {
            self.mode = .closing
            self.forgetUnread()
            self.closeAfterLastResponse(context: context)
            return
        }
        self.deadlines.responseSent(context: context, keeper: self)
        self.mode = .answering
        if self.inputClosedWhileResponding {
            // As a half-close while answering: llhttp's word on what is left, else close once all has left.
            self.inputClosedWhileResponding = false
            if self.unread.readableBytes > 0 {
                self.passThrough(context: context)
                context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            } else {
                self.mode = .closing
                self.closeAfterLastResponse(context: context)
            }
            return
        }
        if self.heldRead {
            self.heldRead = false
            context.read()
        }
        // From inside `answer` the loop carries on.
        guard !self.isAnswering, self.unread.readableBytes > 0 else { return }
        self.answer(context: context)
        self.flushAnswers()
    }

    /// A body that failed half-written cannot be finished: the connection closes.
    private func abandonResponse(context: ChannelHandlerContext) {
        self.mode = .closing
        self.forgetUnread()
        context.close(promise: nil)
    }

    /// The client `request` came from when a trusted proxy forwarded it; nil when the peer is the client.
    private func clientAddress(of request: Request, context: ChannelHandlerContext) -> SocketAddress? {
        self.clientAddresses.clientAddress(of: context.channel, fields: request.head.headerFields)
    }

    /// Stamps and records the answers written so far once their last byte has left.
    private func recordWhenWritten(context: ChannelHandlerContext) {
        guard let first = self.unrecorded else { return }
        let more = self.moreUnrecorded
        self.unrecorded = nil
        self.moreUnrecorded = []
        let timeline = self.timeline
        self.whenFlushedBytesLeave(context: context) { Self.record(first, more, on: timeline) }
    }

    /// Calls `action` once everything flushed so far has left: at once when the flush left nothing queued (no
    /// promise, no callback: the usual case for a small answer), else when an empty write queued behind it completes.
    private func whenFlushedBytesLeave(context: ChannelHandlerContext, _ action: @escaping () -> Void) {
        guard ((try? self.options?.getOption(.bufferedWritableBytes)) ?? 0) > 0 else {
            action()
            return
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(Self.wrapOutboundOut(Self.nothing), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in action() }
    }

    private static func record(_ first: Answer, _ more: [Answer], on timeline: ConnectionTimeline) {
        let now = timeline.clock.now()
        func record(_ answer: Answer) {
            timeline.responseWritten()
            timeline.plainGETCompleted(
                answer.timeline,
                path: answer.path,
                host: answer.host,
                status: answer.status,
                bodyBytes: answer.bodyBytes,
                lastByteWritten: now
            )
        }
        record(first)
        for answer in more { record(answer) }
    }

    /// Hands llhttp everything not yet answered, and every byte from now on.
    private func passThrough(context: ChannelHandlerContext) {
        guard self.ensuresFullPath(context: context) else { return }
        self.mode = .passingThrough
        self.flushAnswers()
        guard self.unread.readableBytes > 0 else { return }
        var rest = self.unread
        let starts = self.readStarts
        self.forgetUnread()
        self.forwardedSinceReadComplete = true
        for start in starts where start > rest.readerIndex {
            context.fireChannelRead(Self.wrapInboundOut(rest.readSlice(length: start - rest.readerIndex)!))
        }
        context.fireChannelRead(Self.wrapInboundOut(rest))
    }

    /// Makes sure the full path is there to hand on to; false (and the connection closing) when it could not be added.
    private func ensuresFullPath(context: ChannelHandlerContext) -> Bool {
        guard let addsFullPath = self.addsFullPath else { return true }
        self.addsFullPath = nil
        do {
            try addsFullPath(self)
            return true
        } catch {
            self.mode = .closing
            self.forgetUnread()
            context.close(promise: nil)
            return false
        }
    }

    /// Closes once every answer queued so far, the request handler's included, has left (writes leave in order).
    private func closeAfterLastResponse(context: ChannelHandlerContext) {
        self.flushAnswers()
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(Self.wrapOutboundOut(Self.nothing), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension HTTP1FastPath: Sendable {}
