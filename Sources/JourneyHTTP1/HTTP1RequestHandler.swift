import HTTPTypes
import JourneyConnection
import JourneyCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// One connection's request loop: collects each request (Decode), asks the responder (Process) and
/// writes the answer (Write), deciding after each response whether the connection stays open.
///
/// NIO's `HTTPServerPipelineHandler` sits in front, so this handler sees one request at a time and its
/// responses leave in request order however deeply the client pipelines.
final class HTTP1RequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: any Responder
    private let limits: HTTP1Limits
    private let accessLog: (any AccessLogSink)?
    private let logger: Logger
    private let lineGuard: RequestLineGuard
    private let deadlines: any ConnectionDeadlineKeeper
    private let timeline: ConnectionTimeline
    private let sendsServerTiming: Bool
    private let fileReader: (any FileChunkReader)?
    /// How a connection answered before its request was read is drained before it closes.
    private let lingering: LingeringClose
    /// Handed this request and waits for its answer to be written before it answers the next one itself.
    private let fastPath: HTTP1FastPath?
    /// When a request is answered, and whether the connection stays open: every rule of the loop.
    private var machine = HTTP1RequestStateMachine()
    /// Completes when the last response written so far has left; closing waits for it.
    private var lastResponseWritten: EventLoopFuture<Void>?
    /// The streamed body going out, if any: cancelled when the client goes or the server shuts down.
    private var streaming: StreamedResponse?
    /// The request body streamed to the handler, if any: reads wait while the handler has enough.
    private var requestBody: StreamedRequestBody?
    /// The executor of the tasks this connection's handlers run in, made by the first request that needs it.
    private var taskExecutor: EventLoopTaskExecutor?
    /// Who the client is behind a trusted proxy.
    private var clientAddresses = ClientAddressLookup()

    private typealias Pending = HTTP1RequestStateMachine.Pending

    init(
        responder: any Responder,
        limits: HTTP1Limits,
        accessLog: (any AccessLogSink)?,
        logger: Logger,
        lineGuard: RequestLineGuard,
        deadlines: any ConnectionDeadlineKeeper,
        timeline: ConnectionTimeline,
        sendsServerTiming: Bool,
        fileReader: (any FileChunkReader)?,
        lingering: LingeringClose,
        fastPath: HTTP1FastPath?
    ) {
        self.fileReader = fileReader
        self.lingering = lingering
        self.fastPath = fastPath
        self.timeline = timeline
        self.sendsServerTiming = sendsServerTiming
        self.responder = responder
        self.limits = limits
        self.accessLog = accessLog
        self.logger = logger
        self.lineGuard = lineGuard
        self.deadlines = deadlines
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            guard self.machine.readsHead else { return }
            self.receiveHead(head, context: context)
        case .body(var buffer):
            let action = self.machine.bodyReceived(&buffer)
            if case .passOn = action {
                self.requestBody?.receive(buffer)
            } else {
                self.perform(action, context: context)
            }
        case .end:
            // The next bytes on the wire start a new request line.
            self.lineGuard.rearm()
            self.deadlines.requestReceived()
            if let body = self.requestBody {
                self.requestBody = nil
                if self.machine.streamedBodyEnded() { body.finish() }
                return
            }
            guard var pending = self.machine.endReceived() else { return }
            pending.answered.timeline = self.timeline.takeRequestTimeline()
            self.timeline.move(to: .processing)
            guard context.channel.isWritable else {
                self.machine.park(pending)
                return
            }
            self.dispatch(pending, context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Removed by an upgrade after the client half-closed: the EOF reached this handler while the upgrade handler
        // held the request, so tell the new protocol's handlers, once they are in place.
        guard self.machine.inputClosed else { return }
        let channel = context.channel
        channel.eventLoop.assumeIsolated().execute {
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.streaming?.cancel()
        self.requestBody?.fail(HTTPError(.badRequest, detail: "The connection closed before the body was complete."))
        self.requestBody = nil
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        // A handler streaming the body sets the pace: while it has enough, the socket is not read.
        if let body = self.requestBody, !body.passesRead() { return }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let parked = self.machine.channelBecameWritable() {
            self.dispatch(parked, context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            // NIO's pipelining handler delivers this after every request that preceded it.
            let held = self.requestHeldUpstream(context: context)
            self.perform(self.machine.inputClosed(requestHeldUpstream: held), context: context)
        case is HTTP1DrainEvent:
            // A stream that would go on forever (Server-Sent Events) ends now, cleanly, so the drain can close.
            self.streaming?.cancel()
            let held = self.requestHeldUpstream(context: context)
            self.perform(self.machine.drainRequested(requestHeldUpstream: held), context: context)
        case let timedOut as RequestBodyTimedOut:
            let action = self.machine.bodyTimedOut()
            if case .respondEarly = action {
                self.timeline.recorder?.requestBodyTimedOut(belowMinimumRate: timedOut.belowMinimumRate)
            }
            self.perform(action, context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Whether NIO's upgrade handler holds a request head it has not handed on yet.
    private func requestHeldUpstream(context: ChannelHandlerContext) -> Bool {
        self.timeline.hasRequestsInFlight
            && (try? context.pipeline.syncOperations.handler(type: HTTPServerUpgradeHandler.self)) != nil
    }

    private func perform(_ action: HTTP1RequestStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none, .passOn:
            break
        case .failStream(let status):
            self.requestBody?.fail(HTTPError(status))
            self.requestBody?.release()
            self.requestBody = nil
        case .respondEarly(var pending, let status, let headerFields):
            pending.answered.timeline = self.timeline.takeRequestTimeline()
            pending.answered.timeline.processed = self.timeline.clock.now()
            let response = ErrorPage.response(for: status, headerFields: headerFields)
            self.write(response, for: pending, context: context)
        case .close:
            // This may come from inside the previous response's write, before it is flushed: close only once that
            // response has left.
            if let written = self.lastResponseWritten {
                written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            } else {
                context.close(promise: nil)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // NIO's upgrade handler reports an upgrader's failure, then passes the request on.
        if error is UpgradeDeclined { return }
        if let refusal = error as? HTTPError, self.machine.readsHead {
            self.machine.upgraderRefused(refusal)
            return
        }
        guard let parserError = error as? HTTPParserError else {
            self.logger.debug("connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        let unparsed = Pending(
            answered: AnsweredRequest(
                Request(head: Self.unparsedHead),
                method: "GET",
                target: "",
                timeline: RequestTimeline()
            ),
            keepAlive: false
        )
        self.perform(
            self.machine.parseFailed(status: self.status(for: parserError), unparsed: unparsed),
            context: context
        )
    }

    /// The status for an llhttp error, told apart with what the request-line guard saw.
    private func status(for error: HTTPParserError) -> HTTPResponse.Status {
        if self.lineGuard.tripped { return .uriTooLong }
        switch error {
        case .headerOverflow: return .requestHeaderFieldsTooLarge
        // llhttp calls every method it does not know invalid; only a well-formed one is 501.
        case .invalidMethod: return self.lineGuard.methodIsToken ? .notImplemented : .badRequest
        // A bare LF after the version also reads as a bad version to llhttp.
        case .invalidVersion: return self.lineGuard.sawBareLineFeed ? .badRequest : .httpVersionNotSupported
        default: return .badRequest
        }
    }

    private func receiveHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let version = HTTPVersionNumber(major: head.version.major, minor: head.version.minor)
        // RFC 9112 §3.2: an HTTP/1.1 request must carry exactly one Host field, and a Host must be a valid
        // `uri-host [ ":" port ]` (HTTP/1.0 may leave it out).
        let hosts = head.headers["host"]
        let hostIsValid =
            (hosts.count == 1 || (hosts.isEmpty && version == .http1_0))
            && hosts.allSatisfy { HostSyntax.isValid($0.trimmingBlanks) }
        let converted = hostIsValid ? HTTPRequest(http1: head) : nil
        let pending = Pending(
            answered: AnsweredRequest(
                Request(head: converted ?? Self.unparsedHead, version: version),
                method: head.method.rawValue,
                target: head.uri,
                timeline: RequestTimeline()
            ),
            // llhttp stops parsing after a request that asks to upgrade (NIO's decoder hands the rest of the bytes to
            // the new protocol), so one that is answered in HTTP instead ends the connection.
            keepAlive: head.isKeepAlive && !head.asksToSwitchProtocols
        )
        guard converted != nil else {
            self.perform(self.machine.headRefused(pending, status: .badRequest), context: context)
            return
        }
        // RFC 9112 §6.1: HTTP/1.0 has no transfer codings, so a Transfer-Encoding in it means the framing is faulty;
        // the request is refused and the connection closed, whatever else it asked (nginx answers 400 too).
        if version.major == 1, version.minor == 0, head.headers.contains(name: "transfer-encoding") {
            self.perform(self.machine.headRefused(pending, status: .badRequest), context: context)
            return
        }

        // RFC 9112 §6.1: a transfer coding other than chunked cannot be decoded here (501, as nginx).
        let codings = head.headers["transfer-encoding"]
            .flatMap { $0.split(separator: ",") }
            .map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() }
        if !codings.isEmpty && codings != ["chunked"] {
            self.perform(self.machine.headRefused(pending, status: .notImplemented), context: context)
            return
        }
        let declaredLength = head.headers["content-length"].first.flatMap { Int($0) }
        let expectsBody = !codings.isEmpty || (declaredLength ?? 0) > 0
        // The route says how its body is taken, and up to how much (else the server's limit).
        let policy = expectsBody ? self.responder.bodyPolicy(for: pending.answered.request) : .collected()
        let limit = RequestBodyLimit(maximum: policy.maximumSize ?? self.limits.maximumBodySize)
        guard limit.check(declaredLength: declaredLength) == .accept else {
            if expectsBody, policy.streams {
                // The handler hears of it from its read, so its middleware (a request id, CORS) answers the 413.
                self.stream(pending, limit: limit, refusing: .contentTooLarge, context: context)
                return
            }
            self.perform(self.machine.headRefused(pending, status: .contentTooLarge), context: context)
            return
        }
        // A refusal the head alone earns (405) is given before the body is read: the body is discarded with the
        // connection (lingering close), not uploaded to be thrown away.
        if expectsBody, let refusal = self.responder.refusal(of: pending.answered.request) {
            let action = self.machine.headRefused(pending, status: refusal.status, headerFields: refusal.headerFields)
            self.perform(action, context: context)
            return
        }
        if let expectation = head.headers["expect"].first {
            // RFC 9110 §10.1.1: 100-continue is the only expectation; anything else is 417.
            guard expectation.lowercased() == "100-continue" else {
                self.perform(self.machine.headRefused(pending, status: .expectationFailed), context: context)
                return
            }
            if version == .http1_1 {
                let interim = HTTPResponseHead(version: .http1_1, status: .continue)
                context.writeAndFlush(Self.wrapOutboundOut(.head(interim)), promise: nil)
            }
        }
        if expectsBody, policy.streams {
            self.stream(pending, limit: limit, context: context)
            return
        }
        self.machine.headAccepted(pending, limit: limit)
        self.deadlines.headReceived(expectsBody: expectsBody)
    }

    /// Hands the request to the responder now, its body streamed as it arrives. The handler paces the reads, so
    /// the body's timeouts (pauses, the minimum rate) are its own to enforce, not the connection's.
    /// `refusing`: the head alone refuses the body (a declared length over the limit); the handler's first read
    /// throws it, nothing of the body is read, and the connection closes after the answer.
    private func stream(
        _ pending: Pending,
        limit: RequestBodyLimit,
        refusing refusal: HTTPResponse.Status? = nil,
        context: ChannelHandlerContext
    ) {
        var pending = pending
        let (streamed, body) = StreamedRequestBody.make(on: context.eventLoop) { context.read() }
        pending.answered.request.body = body
        if let refusal {
            streamed.fail(HTTPError(refusal))
            streamed.release()
            self.machine.streamRefused()
        } else {
            self.requestBody = streamed
            self.machine.headAcceptedStreaming(limit: limit)
        }
        self.deadlines.headReceived(expectsBody: false)
        self.deadlines.requestReceived()
        pending.answered.timeline = self.timeline.takeRequestTimeline()
        self.timeline.move(to: .processing)
        self.dispatch(pending, context: context)
    }

    /// The client `request` came from when a trusted proxy forwarded it; nil when the peer is the client.
    private func clientAddress(of request: Request, context: ChannelHandlerContext) -> SocketAddress? {
        self.clientAddresses.clientAddress(of: context.channel, fields: request.head.headerFields)
    }

    /// The head error responses are written against when the request itself could not be read.
    private static let unparsedHead = HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/")

    private func dispatch(_ pending: Pending, context: ChannelHandlerContext) {
        var requestContext = RequestContext(
            channel: context.channel,
            logger: self.logger,
            timeline: pending.answered.timeline
        )
        if self.taskExecutor == nil { self.taskExecutor = EventLoopTaskExecutor(context.eventLoop) }
        requestContext.taskExecutor = self.taskExecutor
        requestContext.clientAddress = self.clientAddress(of: pending.answered.request, context: context)
        let answer: EventLoopFuture<Response>
        if let refusal = self.machine.takeRefusal() {
            answer = context.eventLoop.makeFailedFuture(refusal)
        } else {
            answer = self.responder.respond(to: pending.answered.request, context: requestContext)
        }
        answer
            .hop(to: context.eventLoop)
            .assumeIsolated()
            .whenComplete { result in
                var pending = pending
                pending.answered.timeline.processed = self.timeline.clock.now()
                let response = ErrorPage.response(for: result) { error in
                    self.logger.error(
                        "handler failed",
                        metadata: ["request": "\(pending.answered.requestLine)", "error": "\(error)"]
                    )
                }
                self.write(response, for: pending, context: context)
            }
    }

    private func write(_ response: Response, for pending: Pending, context: ChannelHandlerContext) {
        // The responder may ask to close with `Connection`; the answer's is written below.
        var response = response
        var asksToClose = response.takeConnectionClose()
        // HTTP/1.0 has no chunked coding: a streamed body ends with the connection.
        if case .stream = response.body, pending.answered.request.version == .http1_0 { asksToClose = true }
        let keepAlive = self.machine.keepsAlive(pending, responseAsksToClose: asksToClose)
        let finished = FinishedResponse(
            consume response,
            answering: pending.answered.request.head.method,
            date: DateHeader.now,
            serverTiming: self.sendsServerTiming ? pending.answered.timeline.serverTiming : nil
        )
        var headers = HTTPHeaders(finished.head.headerFields)
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if pending.answered.request.version == .http1_0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let status = finished.status
        let body = finished.body
        let notes = finished.notes
        // A status made from a bare code has no reason phrase: use the standard one.
        let reason = finished.head.status.reasonPhrase
        let head = HTTPResponseHead(
            version: .http1_1,
            status: reason.isEmpty
                ? HTTPResponseStatus(statusCode: status) : HTTPResponseStatus(statusCode: status, reasonPhrase: reason),
            headers: headers
        )
        self.timeline.move(to: .writing)
        // A file goes by sendfile: corked, the head and the file's first bytes leave in full segments, and the
        // kernel pushes them from this call when `end` uncorks (nginx's tcp_nopush).
        let corks = self.fileReader == nil && body.includesFile
        if corks { TCPCork.set(true, on: context) }
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        if case .stream(let stream) = body {
            self.stream(
                stream,
                status: status,
                keepAlive: keepAlive,
                for: pending,
                notes: notes,
                context: context
            )
            return
        }
        // Once the body has been written (or queued).
        func ended() {
            self.end(
                status: status,
                body: body,
                keepAlive: keepAlive,
                for: pending,
                notes: notes,
                context: context
            )
        }
        guard let reader = self.fileReader, body.includesFile else {
            switch body {
            case .empty, .stream: break
            case .bytes(let buffer): context.write(Self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            case .file(let slice): self.writeFile(slice, context: context)
            case .parts(let parts):
                for part in parts {
                    switch part {
                    case .bytes(let buffer):
                        context.write(Self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                    case .file(let slice): self.writeFile(slice, context: context)
                    }
                }
            }
            ended()
            return
        }
        // Behind TLS: the file is read in chunks off the loop, each written once the one before has left.
        StreamedBodyWriter.write(body, reading: reader, on: context.eventLoop, allocator: context.channel.allocator) {
            chunk in
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(Self.wrapOutboundOut(.body(.byteBuffer(chunk))), promise: promise)
            return promise.futureResult
        }.assumeIsolated().whenComplete { result in
            switch result {
            case .success:
                ended()
            case .failure(let error):
                self.logger.debug("file body failed", metadata: ["error": "\(error)"])
                self.perform(self.machine.bodyFailed(), context: context)
            }
        }
    }

    /// Runs a streamed body's producer, writing each chunk as it comes, then ends the response with its trailers.
    private func stream(
        _ stream: ResponseBodyStream,
        status: Int,
        keepAlive: Bool,
        for pending: Pending,
        notes: ResponseNotes,
        context: ChannelHandlerContext
    ) {
        context.flush()
        let streaming = StreamedResponse(stream, on: context.eventLoop) { chunk in
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(Self.wrapOutboundOut(.body(.byteBuffer(chunk))), promise: promise)
            return promise.futureResult
        }
        self.streaming = streaming
        streaming.ended.assumeIsolated().whenComplete { result in
            self.streaming = nil
            switch result {
            case .success(let trailers):
                self.end(
                    status: status,
                    body: .stream(stream),
                    keepAlive: keepAlive,
                    for: pending,
                    notes: notes,
                    context: context,
                    trailers: trailers.map { HTTPHeaders($0) },
                    bodyBytes: streaming.bytesWritten
                )
            case .failure(let error):
                self.logger.debug("streamed body failed", metadata: ["error": "\(error)"])
                self.perform(self.machine.bodyFailed(), context: context)
            }
        }
    }

    /// Ends the response (its body already written), then logs it and closes or waits for the next request.
    private func end(
        status: Int,
        body: ResponseBody,
        keepAlive: Bool,
        for pending: Pending,
        notes: ResponseNotes,
        context: ChannelHandlerContext,
        trailers: HTTPHeaders? = nil,
        bodyBytes: Int? = nil
    ) {
        // Answered before its streamed body ended: the handler no longer reads it.
        self.requestBody?.release()
        self.requestBody = nil
        let continuation = self.machine.responseEnding(keepAlive: keepAlive)
        if continuation == .keepAlive { self.deadlines.responseSent() }
        let lingering = self.lingering
        let deadlines = self.deadlines
        let accessLog = self.accessLog
        let timeline = self.timeline
        let client =
            timeline.wantsClientAddress(accessLog: accessLog)
            ? self.clientAddress(of: pending.answered.request, context: context) ?? context.channel.remoteAddress : nil
        let written = context.eventLoop.makePromise(of: Void.self)
        self.lastResponseWritten = written.futureResult
        context.writeAndFlush(Self.wrapOutboundOut(.end(trailers)), promise: written)
        if body.includesFile, self.fileReader == nil { TCPCork.set(false, on: context) }
        // Every byte of this response is queued: what the fast path answers next goes out after it.
        if continuation == .keepAlive { self.fastPath?.requestHandlerAnswered() }
        written.futureResult.assumeIsolated().whenComplete { _ in
            timeline.responseWritten()
            timeline.requestCompleted(
                pending.answered,
                status: status,
                bodyBytes: bodyBytes ?? body.count,
                accessLog: accessLog,
                remoteAddress: client,
                notes: notes
            )
            switch continuation {
            case .keepAlive:
                break
            case .close:
                context.close(promise: nil)
            case .linger:
                LingeringCloseHandler.linger(lingering, on: context, keeper: deadlines, recorder: timeline.recorder)
            }
        }
    }

    /// Writes `slice` by sendfile; the `OpenFile` in the body keeps the descriptor open until it has left.
    private func writeFile(_ slice: FileSlice, context: ChannelHandlerContext) {
        SendfileWriter.write(slice, on: context.eventLoop) { region, sent in
            context.write(Self.wrapOutboundOut(.body(.fileRegion(region))), promise: sent)
        }
    }
}

@available(*, unavailable)
extension HTTP1RequestHandler: Sendable {}

extension HTTPRequestHead {
    /// Whether llhttp takes this for a protocol switch (`Upgrade` with `Connection: upgrade`, or CONNECT), after
    /// which it parses nothing more: NIO's decoder hands the bytes that follow to the new protocol.
    var asksToSwitchProtocols: Bool {
        if self.method == .CONNECT { return true }
        guard self.headers.contains(name: "upgrade") else { return false }
        return self.headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
    }
}
