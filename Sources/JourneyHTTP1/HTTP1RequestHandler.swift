import HTTPTypes
import JourneyConnection
import JourneyCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One connection's request loop: collects each request (Decode), asks the responder (Process) and
/// writes the answer (Write), deciding after each response whether the connection stays open.
///
/// NIO's `HTTPServerPipelineHandler` sits in front, so this handler sees one request at a time and its
/// responses leave in request order however deeply the client pipelines.
final class HTTP1RequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
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
    private var state = State.idle
    /// The client half-closed, or the server is shutting down: finish the response in hand, then close.
    private var finishing = false
    /// A complete request waiting for the send queue to drain before it is answered.
    private var parked: PendingRequest?
    /// Completes when the last response written so far has left; closing waits for it.
    private var lastResponseWritten: EventLoopFuture<Void>?
    /// An upgrader's refusal of the request on its way here: its answer, instead of the responder's.
    private var refusal: HTTPError?
    /// The client half-closed: a protocol the connection switches to must hear of it too.
    private var inputClosed = false

    private enum State {
        /// Waiting for a request head.
        case idle
        /// A head arrived; its body is being collected.
        case receiving(PendingRequest, RequestBodyLimit)
        /// The responder is working on a request.
        case responding
        /// An early error response was sent; the rest of the request is ignored and the connection closes.
        case closing
    }

    /// What the Write and log phases need to know about the request being answered.
    private struct PendingRequest {
        var request: Request
        var keepAlive: Bool
        var method: HTTPMethod
        var uri: String
        var arrivedAt: Int
        var timeline = RequestTimeline()

        /// `GET /path HTTP/1.1`, built only when a log line needs it; `-` for a request that did not parse.
        var requestLine: String {
            guard !self.uri.isEmpty else { return "-" }
            return
                "\(self.method.rawValue) \(self.uri) HTTP/\(self.request.version.major).\(self.request.version.minor)"
        }
    }

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
            guard case .idle = self.state else { return }
            self.receiveHead(head, context: context)
        case .body(var buffer):
            guard case .receiving(var pending, var limit) = self.state else { return }
            guard limit.receive(buffer.readableBytes) == .accept else {
                self.respondEarly(.contentTooLarge, to: pending, context: context)
                return
            }
            pending.request.receiveBody(&buffer)
            self.state = .receiving(pending, limit)
        case .end:
            // The next bytes on the wire start a new request line.
            self.lineGuard.rearm()
            self.deadlines.requestReceived()
            guard case .receiving(var pending, _) = self.state else { return }
            pending.timeline = self.timeline.takeRequestTimeline()
            self.state = .responding
            self.timeline.move(to: .processing)
            // Backpressure: while the client is not reading, the next response waits, so NIO's pipelining
            // handler (which hands over a request only once the previous response is written) stops
            // reading too, and a deep pipeline cannot pile responses up in memory.
            guard context.channel.isWritable else {
                self.parked = pending
                return
            }
            self.dispatch(pending, context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Removed by an upgrade after the client half-closed: the EOF reached this handler while the upgrade handler
        // held the request, so tell the new protocol's handlers, once they are in place.
        guard self.inputClosed else { return }
        let channel = context.channel
        channel.eventLoop.assumeIsolated().execute {
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let parked = self.parked {
            self.parked = nil
            self.dispatch(parked, context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            // NIO's pipelining handler delivers this after every request that preceded it.
            self.inputClosed = true
            self.finish(context: context)
        case is HTTP1DrainEvent:
            self.finish(context: context)
        case let timedOut as RequestBodyTimedOut:
            // Kestrel's and nginx's answer to a body too slow to wait for: 408, then the connection is drained.
            guard case .receiving(let pending, _) = self.state else { return }
            self.timeline.recorder?.requestBodyTimedOut(belowMinimumRate: timedOut.belowMinimumRate)
            self.respondEarly(.requestTimeout, to: pending, context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Closes once the response in hand (if any) has left; no further request is read.
    private func finish(context: ChannelHandlerContext) {
        self.finishing = true
        guard case .idle = self.state else { return }
        // A request NIO's upgrade handler is still deciding on has not reached this handler yet; it is answered
        // (and the connection closed after it) when it does, or the connection changes protocol.
        if self.timeline.hasRequestsInFlight,
            (try? context.pipeline.syncOperations.handler(type: HTTPServerUpgradeHandler.self)) != nil
        {
            return
        }
        // This may arrive from inside the previous response's write, before it is flushed: close only
        // once that response has left.
        if let written = self.lastResponseWritten {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // NIO's upgrade handler reports an upgrader's failure, then passes the request on.
        if error is UpgradeDeclined { return }
        if let refusal = error as? HTTPError, case .idle = self.state {
            self.refusal = refusal
            return
        }
        guard let parserError = error as? HTTPParserError else {
            self.logger.debug("connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        switch self.state {
        case .closing:
            return  // the response in hand already closes the connection
        case .responding:
            // NIO's pipelining handler holds errors back until the response in hand is written; should one
            // get through, the close after that response is the only answer.
            self.finishing = true
        case .idle, .receiving:
            let unparsed = PendingRequest(
                request: Request(head: Self.unparsedHead),
                keepAlive: false,
                method: .GET,
                uri: "",
                arrivedAt: Int(time(nil))
            )
            self.respondEarly(self.status(for: parserError), to: unparsed, context: context)
        }
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
        let pending = PendingRequest(
            request: Request(head: converted ?? Self.unparsedHead, version: version),
            // llhttp stops parsing after a request that asks to upgrade (NIO's decoder hands the rest of the bytes to
            // the new protocol), so one that is answered in HTTP instead ends the connection.
            keepAlive: head.isKeepAlive && !head.asksToSwitchProtocols,
            method: head.method,
            uri: head.uri,
            arrivedAt: Int(time(nil))
        )
        guard converted != nil else {
            self.respondEarly(.badRequest, to: pending, context: context)
            return
        }
        // RFC 9112 §6.1: HTTP/1.0 has no transfer codings, so a Transfer-Encoding in it means the framing is faulty;
        // the request is refused and the connection closed, whatever else it asked (nginx answers 400 too).
        if version.major == 1, version.minor == 0, head.headers.contains(name: "transfer-encoding") {
            self.respondEarly(.badRequest, to: pending, context: context)
            return
        }

        // RFC 9112 §6.1: a transfer coding other than chunked cannot be decoded here (501, as nginx).
        let codings = head.headers["transfer-encoding"]
            .flatMap { $0.split(separator: ",") }
            .map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() }
        if !codings.isEmpty && codings != ["chunked"] {
            self.respondEarly(.notImplemented, to: pending, context: context)
            return
        }
        let limit = RequestBodyLimit(maximum: self.limits.maximumBodySize)
        let declaredLength = head.headers["content-length"].first.flatMap { Int($0) }
        guard limit.check(declaredLength: declaredLength) == .accept else {
            self.respondEarly(.contentTooLarge, to: pending, context: context)
            return
        }
        // A refusal the head alone earns (405) is given before the body is read: the body is discarded with the
        // connection (lingering close), not uploaded to be thrown away.
        let expectsBody = !codings.isEmpty || (declaredLength ?? 0) > 0
        if expectsBody, let refusal = self.responder.refusal(of: pending.request) {
            self.respondEarly(refusal.status, headerFields: refusal.headerFields, to: pending, context: context)
            return
        }
        if let expectation = head.headers["expect"].first {
            // RFC 9110 §10.1.1: 100-continue is the only expectation; anything else is 417.
            guard expectation.lowercased() == "100-continue" else {
                self.respondEarly(.expectationFailed, to: pending, context: context)
                return
            }
            if version == .http1_1 {
                let interim = HTTPResponseHead(version: .http1_1, status: .continue)
                context.writeAndFlush(Self.wrapOutboundOut(.head(interim)), promise: nil)
            }
        }
        self.state = .receiving(pending, limit)
        self.deadlines.headReceived(expectsBody: expectsBody)
    }

    /// The head error responses are written against when the request itself could not be read.
    private static let unparsedHead = HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/")

    private func dispatch(_ pending: PendingRequest, context: ChannelHandlerContext) {
        let requestContext = RequestContext(channel: context.channel, logger: self.logger)
        let answer: EventLoopFuture<Response>
        if let refusal = self.refusal {
            self.refusal = nil
            answer = context.eventLoop.makeFailedFuture(refusal)
        } else {
            answer = self.responder.respond(to: pending.request, context: requestContext)
        }
        answer
            .hop(to: context.eventLoop)
            .assumeIsolated()
            .whenComplete { result in
                var pending = pending
                pending.timeline.processed = self.timeline.clock.now()
                let response = ErrorPage.response(for: result) { error in
                    self.logger.error(
                        "handler failed",
                        metadata: ["request": "\(pending.requestLine)", "error": "\(error)"]
                    )
                }
                self.write(response, for: pending, closing: false, context: context)
            }
    }

    /// Answers before the request is complete (400, 405, 408, 413, 417, parse errors) and closes: what follows on
    /// the connection cannot be trusted. The close lingers (`LingeringCloseHandler`): the client may still be
    /// sending the request, and a reset could cost it the answer.
    private func respondEarly(
        _ status: HTTPResponse.Status,
        headerFields: HTTPFields = [:],
        to pending: PendingRequest,
        context: ChannelHandlerContext
    ) {
        var pending = pending
        pending.timeline = self.timeline.takeRequestTimeline()
        pending.timeline.processed = self.timeline.clock.now()
        self.state = .closing
        let response = ErrorPage.response(for: status, headerFields: headerFields)
        self.write(response, for: pending, closing: true, context: context)
    }

    private func write(_ response: Response, for pending: PendingRequest, closing: Bool, context: ChannelHandlerContext)
    {
        let status = response.head.status.code
        var body = response.body
        var headers = HTTPHeaders(response.head.headerFields)
        var keepAlive = pending.keepAlive && !closing && !self.finishing
        if headers.contains(name: "connection") {
            keepAlive = keepAlive && !headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
            headers.remove(name: "connection")
        }
        if !headers.contains(name: "date") { headers.add(name: "Date", value: DateHeader.now) }
        if !headers.contains(name: "server") { headers.add(name: "Server", value: "journey") }
        if self.sendsServerTiming {
            let timing = pending.timeline.serverTiming
            if !timing.isEmpty { headers.add(name: "Server-Timing", value: timing) }
        }
        // RFC 9110 §6.4.1: 1xx, 204 and 304 never carry content; HEAD carries the length of what GET would send.
        if (100..<200).contains(status) || status == 204 || status == 304 {
            headers.remove(name: "content-length")
            body = .empty
        } else {
            if !headers.contains(name: "content-length") {
                headers.add(name: "Content-Length", value: String(body.count))
            }
            if pending.request.head.method == .head { body = .empty }
        }
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if pending.request.version == .http1_0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        // A status made from a bare code has no reason phrase: use the standard one.
        let reason = response.head.status.reasonPhrase
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
        guard let reader = self.fileReader, body.includesFile else {
            var handles: [NIOFileHandle] = []
            switch body {
            case .empty: break
            case .bytes(let buffer): context.write(Self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            case .file(let slice): self.writeFile(slice, handles: &handles, context: context)
            case .parts(let parts):
                for part in parts {
                    switch part {
                    case .bytes(let buffer):
                        context.write(Self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                    case .file(let slice): self.writeFile(slice, handles: &handles, context: context)
                    }
                }
            }
            self.end(status: status, body: body, keepAlive: keepAlive, for: pending, context: context) {
                // The OpenFile in `body` owns the descriptor; the NIOFileHandles only lent it to sendfile.
                for handle in handles { _ = try? handle.takeDescriptorOwnership() }
            }
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
                self.end(status: status, body: body, keepAlive: keepAlive, for: pending, context: context) {}
            case .failure(let error):
                // The head promised bytes that will not come: only a close tells the client.
                self.logger.debug("file body failed", metadata: ["error": "\(error)"])
                self.state = .closing
                context.close(promise: nil)
            }
        }
    }

    /// Ends the response (its body already written), then logs it and closes or waits for the next request.
    private func end(
        status: Int,
        body: ResponseBody,
        keepAlive: Bool,
        for pending: PendingRequest,
        context: ChannelHandlerContext,
        whenWritten release: @escaping () -> Void
    ) {
        // A shutdown or half-close that arrived while a streamed body was still going out: close after it.
        let keepAlive = keepAlive && !self.finishing
        // An answer given before the request was read (an early refusal): the client may still be sending it, so the
        // connection is drained rather than reset; a half-closed client has nothing more to send.
        let lingers: Bool
        if case .closing = self.state { lingers = !self.inputClosed } else { lingers = false }
        let lingering = self.lingering
        let deadlines = self.deadlines
        // Ready for the next request before `.end` goes out: the pipelining handler may hand it over
        // from inside this write.
        if case .responding = self.state {
            self.state = keepAlive ? .idle : .closing
            if keepAlive { self.deadlines.responseSent() }
        }
        let bodyBytes = body.count
        let accessLog = self.accessLog
        let timeline = self.timeline
        let requestTimeline = pending.timeline
        let written = context.eventLoop.makePromise(of: Void.self)
        self.lastResponseWritten = written.futureResult
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: written)
        if body.includesFile, self.fileReader == nil { TCPCork.set(false, on: context) }
        // Every byte of this response is queued: what the fast path answers next goes out after it.
        if keepAlive { self.fastPath?.requestHandlerAnswered() }
        written.futureResult.assumeIsolated().whenComplete { _ in
            release()
            withExtendedLifetime(body) {}
            var finished = requestTimeline
            finished.lastByteWritten = timeline.clock.now()
            timeline.responseWritten()
            timeline.recorder?.requestFinished(
                finished,
                status: status,
                bodyBytes: bodyBytes,
                request: pending.request
            )
            accessLog?.record(
                AccessLogEntry(
                    remoteAddress: context.channel.remoteAddress,
                    time: pending.arrivedAt,
                    requestLine: pending.requestLine,
                    status: status,
                    bodyBytes: bodyBytes,
                    referer: pending.request.head.headerFields[.referer],
                    userAgent: pending.request.head.headerFields[.userAgent],
                    timeline: finished,
                    handshake: timeline.handshake
                )
            )
            guard !keepAlive else { return }
            if lingers {
                LingeringCloseHandler.linger(lingering, on: context, keeper: deadlines, recorder: timeline.recorder)
            } else {
                context.close(promise: nil)
            }
        }
    }

    private func writeFile(_ slice: FileSlice, handles: inout [NIOFileHandle], context: ChannelHandlerContext) {
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: slice.file.descriptor)
        handles.append(handle)
        let region = FileRegion(fileHandle: handle, readerIndex: slice.offset, endIndex: slice.offset + slice.count)
        context.write(Self.wrapOutboundOut(.body(.fileRegion(region))), promise: nil)
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

extension String {
    /// The value without the blanks (SP, HTAB) around it, which are not part of a field value (RFC 9110 §5.5).
    fileprivate var trimmingBlanks: Substring {
        var value = self[...]
        while let first = value.first, first == " " || first == "\t" { value = value.dropFirst() }
        while let last = value.last, last == " " || last == "\t" { value = value.dropLast() }
        return value
    }
}
