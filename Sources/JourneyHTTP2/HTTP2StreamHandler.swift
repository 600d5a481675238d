import HTTPTypes
import JourneyConnection
import JourneyCore
import NIOCore
import NIOHTTP2
import NIOHTTPTypes
import NIOHTTPTypesHTTP2

/// One HTTP/2 stream: collects its request (Decode), asks the responder (Process) and writes the answer (Write)
/// with the same fields and rules as HTTP/1.1, minus what HTTP/2 forbids (RFC 9113 §8.2.2: no connection-specific
/// fields).
final class HTTP2StreamHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let environment: HTTP2StreamEnvironment
    private var state = State.idle
    /// The streamed body going out, if any: cancelled when the stream closes or the server shuts down.
    private var streaming: StreamedResponse?
    /// A streamed request body went over its limit: the client may still be sending it.
    private var bodyRefused = false
    /// The client a trusted proxy named for this stream's request; nil when the peer is the client.
    private var clientAddress: SocketAddress?

    private enum State {
        /// Waiting for the head.
        case idle
        /// The head arrived; the body is being collected.
        case receiving(AnsweredRequest, RequestBodyLimit)
        /// The head went to the responder at once; the body is streamed to the handler as it arrives.
        case streaming(StreamedRequestBody, RequestBodyLimit)
        /// The responder or the write is at work; anything more the client sends is ignored.
        case responding
    }

    init(environment: HTTP2StreamEnvironment) {
        self.environment = environment
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.environment.streamOpened()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.streaming?.cancel()
        self.environment.streamClosed()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.streaming?.cancel()
        if case .streaming(let body, _) = self.state {
            body.fail(HTTPError(.badRequest, detail: "The stream closed before the body was complete."))
            self.state = .responding
        }
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        // A handler streaming the body sets the pace: while it has enough, the stream's window stays shut.
        if case .streaming(let body, _) = self.state, !body.passesRead() { return }
        context.read()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // NIOHTTP2's multiplexer passes the server's shutdown to each stream: a stream that would go on forever
        // (Server-Sent Events) ends now, cleanly, so the connection can close.
        if event is ChannelShouldQuiesceEvent { self.streaming?.cancel() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            guard case .idle = self.state else { return }
            let pending = AnsweredRequest(
                Request(head: head, version: HTTPVersionNumber(major: 2, minor: 0)),
                method: head.method.rawValue,
                target: head.path ?? "",
                timeline: self.environment.timeline.streamHeadParsed()
            )
            // NIOHTTP2 checks only that `:authority` holds no control bytes: one that is not `uri-host [ ":" port ]`
            // (RFC 9113 §8.3.1, RFC 3986 §3.2) never reaches the responder, as a bad Host does not over HTTP/1.1.
            if let authority = head.authority, !HostSyntax.isValid(authority) {
                self.respondEarly(.badRequest, to: pending, context: context)
                return
            }
            // The route says how its body is taken, and up to how much (else the server's limit).
            let policy = self.environment.responder.bodyPolicy(for: pending.request)
            let limit = RequestBodyLimit(maximum: policy.maximumSize ?? self.environment.maximumBodySize)
            let declaredLength = head.headerFields[.contentLength].flatMap { Int($0) }
            let refused = limit.check(declaredLength: declaredLength) != .accept
            if refused, !policy.streams {
                self.respondEarly(.contentTooLarge, to: pending, context: context)
                return
            }
            guard policy.streams else {
                self.state = .receiving(pending, limit)
                return
            }
            // The handler has the request now and reads the body at its own pace.
            var streamed = pending
            let (body, requestBody) = StreamedRequestBody.make(on: context.eventLoop) { context.read() }
            streamed.request.body = requestBody
            streamed.timeline.bodyDecoded = self.environment.timeline.clock.now()
            if refused {
                // The handler hears of it from its read, so its middleware (a request id, CORS) answers the 413.
                body.fail(HTTPError(.contentTooLarge))
                body.release()
                self.state = .responding
                self.bodyRefused = true
            } else {
                self.state = .streaming(body, limit)
            }
            self.dispatch(streamed, context: context)
        case .body(var buffer):
            if case .streaming(let body, var limit) = self.state {
                guard limit.receive(buffer.readableBytes) == .accept else {
                    body.fail(HTTPError(.contentTooLarge))
                    body.release()
                    self.state = .responding
                    self.bodyRefused = true
                    return
                }
                self.state = .streaming(body, limit)
                body.receive(buffer)
                return
            }
            guard case .receiving(var pending, var limit) = self.state else { return }
            // Leaves the state without a second reference to the body, so collecting appends in place.
            self.state = .responding
            guard limit.collect(&buffer, into: &pending.request) == .accept else {
                self.respondEarly(.contentTooLarge, to: pending, context: context)
                return
            }
            self.state = .receiving(pending, limit)
        case .end:
            if case .streaming(let body, _) = self.state {
                body.finish()
                self.state = .responding
                return
            }
            guard case .receiving(var pending, _) = self.state else { return }
            pending.timeline.bodyDecoded = self.environment.timeline.clock.now()
            self.state = .responding
            self.dispatch(pending, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed stream (bad pseudo-headers, a forbidden field): NIOHTTP2 resets it; this stream is done.
        self.environment.logger.debug("http/2 stream error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func dispatch(_ pending: AnsweredRequest, context: ChannelHandlerContext) {
        var requestContext = RequestContext(
            channel: context.channel,
            logger: self.environment.logger,
            timeline: pending.timeline
        )
        requestContext.taskExecutor = self.environment.taskExecutor(on: context.eventLoop)
        // Behind a trusted proxy, the client it names (the connection's handler is in the parent's pipeline).
        let connection = context.channel.parent ?? context.channel
        self.clientAddress = ClientAddressHandler.find(in: connection)?.clientAddress(
            of: connection,
            fields: pending.request.head.headerFields
        )
        requestContext.clientAddress = self.clientAddress
        self.environment.responder.respond(to: pending.request, context: requestContext)
            .hop(to: context.eventLoop)
            .assumeIsolated()
            .whenComplete { result in
                var pending = pending
                pending.timeline.processed = self.environment.timeline.clock.now()
                let response = ErrorPage.response(for: result) { error in
                    self.environment.logger.error(
                        "handler failed",
                        metadata: ["path": "\(pending.request.head.path ?? "")", "error": "\(error)"]
                    )
                }
                self.write(response, for: pending, context: context)
            }
    }

    /// Answers before the request is complete (413): the stream is then reset, so the client stops sending.
    private func respondEarly(
        _ status: HTTPResponse.Status,
        to pending: AnsweredRequest,
        context: ChannelHandlerContext
    ) {
        var pending = pending
        pending.timeline.processed = self.environment.timeline.clock.now()
        self.state = .responding
        self.write(ErrorPage.response(for: status), for: pending, context: context, thenReset: true)
    }

    /// Resets the stream if `write` has not left within the send timeout: a client that stops reading, or never
    /// opens its flow-control window, holds the response (and its file) no longer than that (nginx's send_timeout).
    private func leaveWithinSendTimeout(_ write: EventLoopFuture<Void>, context: ChannelHandlerContext) {
        let deadline = context.eventLoop.assumeIsolated().scheduleTask(in: self.environment.sendTimeout) {
            self.environment.logger.debug("http/2 stream send timeout: the client does not read")
            context.close(promise: nil)
        }
        write.assumeIsolated().whenComplete { _ in deadline.cancel() }
    }

    /// The fields HTTP/2 forbids (RFC 9113 §8.2.2): they describe a hop of HTTP/1.1, not the message.
    private static let connectionSpecificFields: [HTTPField.Name] = [
        .connection, .transferEncoding, .upgrade, HTTPField.Name("Proxy-Connection")!, HTTPField.Name("Keep-Alive")!,
    ]

    private func write(
        _ response: Response,
        for pending: AnsweredRequest,
        context: ChannelHandlerContext,
        thenReset: Bool = false
    ) {
        var response = response
        for name in Self.connectionSpecificFields { response.head.headerFields[name] = nil }
        let finished = FinishedResponse(
            consume response,
            answering: pending.request.head.method,
            date: DateHeader.now,
            serverTiming: self.environment.sendsServerTiming ? pending.timeline.serverTiming : nil
        )
        let body = finished.body
        context.write(Self.wrapOutboundOut(.head(finished.head)), promise: nil)
        let bodySent: EventLoopFuture<HTTPFields?>
        switch body {
        case .empty:
            bodySent = context.eventLoop.makeSucceededFuture(nil)
        case .bytes(let buffer):
            context.write(Self.wrapOutboundOut(.body(buffer)), promise: nil)
            bodySent = context.eventLoop.makeSucceededFuture(nil)
        case .stream(let stream):
            context.flush()
            let streaming = StreamedResponse(stream, on: context.eventLoop) { chunk in
                let promise = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(Self.wrapOutboundOut(.body(chunk)), promise: promise)
                self.leaveWithinSendTimeout(promise.futureResult, context: context)
                return promise.futureResult
            }
            self.streaming = streaming
            bodySent = streaming.ended
        case .file, .parts:
            // Chunk by chunk: the next is written once the last has left, which HTTP/2's flow control holds
            // back until the client opens its window, so a slow reader costs two chunks of memory at most.
            bodySent = StreamedBodyWriter.write(
                body,
                reading: self.environment.fileReader,
                on: context.eventLoop,
                allocator: context.channel.allocator
            ) { chunk in
                let promise = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(Self.wrapOutboundOut(.body(chunk)), promise: promise)
                self.leaveWithinSendTimeout(promise.futureResult, context: context)
                return promise.futureResult
            }.map { nil }
        }
        let environment = self.environment
        bodySent.assumeIsolated().whenComplete { result in
            let bodyBytes = self.streaming?.bytesWritten ?? body.count
            self.streaming = nil
            guard case .success(let trailers) = result else {
                // A file that could not be read to the end, or a stream the client reset: nothing more to send.
                context.close(promise: nil)
                return
            }
            let written = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(Self.wrapOutboundOut(.end(trailers)), promise: written)
            self.leaveWithinSendTimeout(written.futureResult, context: context)
            written.futureResult.assumeIsolated().whenComplete { _ in
                let accessLog = environment.accessLog
                environment.timeline.requestCompleted(
                    pending,
                    status: finished.status,
                    bodyBytes: bodyBytes,
                    accessLog: accessLog,
                    remoteAddress: environment.timeline.wantsClientAddress(accessLog: accessLog)
                        ? self.clientAddress ?? context.channel.remoteAddress : nil,
                    notes: finished.notes
                )
                // The rest of a refused request body is not wanted, nor that of a streamed body its handler answered
                // without reading to the end: RST_STREAM(NO_ERROR) after the complete response tells the client to
                // stop sending it (RFC 9113 §8.1).
                var bodyUnread = self.bodyRefused
                if case .streaming(let body, _) = self.state {
                    body.release()
                    self.state = .responding
                    bodyUnread = true
                }
                if thenReset || bodyUnread {
                    context.triggerUserOutboundEvent(
                        NIOHTTP2FramePayloadToHTTPEvent.reset(code: .noError),
                        promise: nil
                    )
                }
            }
        }
    }
}

@available(*, unavailable)
extension HTTP2StreamHandler: Sendable {}
