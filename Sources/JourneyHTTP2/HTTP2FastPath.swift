import JourneyConnection
import JourneyCore
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Answers a plain GET of a hot file on the connection itself, as the HTTP/1.1 fast path does: the request's
/// HEADERS frame is answered with the open-file cache's prepared response as HEADERS and DATA frames, with no
/// stream channel, no `Request`, no responder call and no future. swift-nio-http2 still does all the HTTP/2 work:
/// framing, HPACK, the stream states and limits, flow control (a DATA frame larger than the client's window waits
/// in its buffer).
///
/// Every other stream takes the full path: its frames go on to the stream multiplexer, which gives it a channel and
/// a stream handler. Frames of a stream answered here never do (the multiplexer would call a stream it does not
/// know an error). The journey is stamped as the stream handler stamps it, and an answer the client does not take
/// within the send timeout (a window it never opens) has its stream reset, as the stream handler's is.
final class HTTP2FastPath: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let responder: any PreparedResponder
    private let environment: HTTP2StreamEnvironment
    /// The newest stream the client opened: a HEADERS frame above it opens a new one (client streams only grow,
    /// RFC 9113 §5.1.1, and NIOHTTP2 holds the client to it); one at or below it is a trailer, the full path's.
    private var newestStream = HTTP2StreamID.rootStream
    /// The streams answered here and not yet closed, with when each must have left.
    private var open: [(stream: HTTP2StreamID, deadline: NIODeadline)] = []
    private var sendTimer: Scheduled<Void>?
    /// Frames were written since the last flush.
    private var flushIsDue = false

    /// The responder's prepared answer for `request`, asked with its authority when answers depend on it.
    private func prepared(_ request: PlainGET) -> PreparedResponse? {
        guard self.responder.answersByHost else {
            return self.responder.preparedResponse(
                toGET: request.path,
                sendsAcceptEncoding: request.sendsAcceptEncoding
            )
        }
        guard let authority = request.authority else { return nil }
        return self.responder.preparedResponse(
            toGET: request.path,
            host: authority,
            sendsAcceptEncoding: request.sendsAcceptEncoding
        )
    }

    init(responder: any PreparedResponder, environment: HTTP2StreamEnvironment) {
        self.responder = responder
        self.environment = environment
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        switch frame.payload {
        case .headers(let headers) where frame.streamID > self.newestStream:
            self.newestStream = frame.streamID
            guard headers.endStream, context.channel.isWritable,
                let request = PlainGET(headers.headers),
                let prepared = self.prepared(request),
                // A file not kept in memory is read in chunks by the stream handler.
                prepared.bodyIsInMemory
            else {
                context.fireChannelRead(data)
                return
            }
            self.answer(frame.streamID, with: prepared, path: request.path, host: request.authority, context: context)
        default:
            guard !self.open.contains(where: { $0.stream == frame.streamID }) else { return }
            context.fireChannelRead(data)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.flushIsDue {
            self.flushIsDue = false
            context.flush()
            self.armSendTimer(context: context)
        }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // With no answer of ours open, no event is ours to look at (and no cast is paid).
        if !self.open.isEmpty, let closed = event as? StreamClosedEvent,
            let index = self.open.firstIndex(where: { $0.stream == closed.streamID })
        {
            self.open.remove(at: index)
            self.environment.streamClosed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.sendTimer?.cancel()
        self.sendTimer = nil
        context.fireChannelInactive()
    }

    private func answer(
        _ stream: HTTP2StreamID,
        with prepared: PreparedResponse,
        path: Substring,
        host: Substring?,
        context: ChannelHandlerContext
    ) {
        let connection = self.environment.timeline
        var timeline = connection.streamHeadParsed()
        timeline.bodyDecoded = timeline.headParsed
        timeline.processed = connection.clock.now()
        self.environment.streamOpened()
        self.open.append((stream, context.eventLoop.now + self.environment.sendTimeout))

        var fields = HPACKHeaders()
        fields.reserveCapacity(prepared.fields.count + 2)
        fields.add(name: ":status", value: String(prepared.status))
        for field in prepared.fields { fields.add(name: field.name.canonicalName, value: field.value) }
        fields.add(name: "date", value: DateHeader.now)
        let body = prepared.body
        let hasBody = body.readableBytes > 0
        let written = context.eventLoop.makePromise(of: Void.self)
        // The promise goes with the stream's last frame: HEADERS when there is no body.
        let head = HTTP2Frame.FramePayload.Headers(headers: fields, endStream: !hasBody)
        context.write(
            Self.wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .headers(head))),
            promise: hasBody ? nil : written
        )
        if hasBody {
            let data = HTTP2Frame.FramePayload.Data(data: .byteBuffer(body), endStream: true)
            context.write(Self.wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .data(data))), promise: written)
        }
        self.flushIsDue = true
        written.futureResult.assumeIsolated().whenComplete { _ in
            connection.plainGETCompleted(
                timeline,
                path: path,
                host: host,
                status: prepared.status,
                bodyBytes: body.readableBytes,
                lastByteWritten: connection.clock.now()
            )
        }
    }

    /// Sets the one timer that keeps the send timeout, when an answer is still waiting for the client after the
    /// flush (usually every answer has left by then, and no timer is set).
    private func armSendTimer(context: ChannelHandlerContext) {
        guard self.sendTimer == nil, let earliest = self.open.lazy.map(\.deadline).min(), earliest != .distantFuture
        else { return }
        self.sendTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: earliest) {
            self.sendTimer = nil
            self.resetLateStreams(context: context)
        }
    }

    /// Resets the streams whose answers are past their send timeout (the client does not read, or keeps its window
    /// shut); NIOHTTP2 drops what of them it still holds, and its word that they closed removes them from `open`.
    private func resetLateStreams(context: ChannelHandlerContext) {
        let now = context.eventLoop.now
        var late: [HTTP2StreamID] = []
        for index in self.open.indices where self.open[index].deadline <= now {
            late.append(self.open[index].stream)
            self.open[index].deadline = .distantFuture
        }
        if !late.isEmpty {
            self.environment.logger.debug("http/2 stream send timeout: the client does not read")
            // Each reset may close its stream at once, which takes it out of `open` (hence not inside the loop).
            for stream in late {
                context.write(
                    Self.wrapOutboundOut(HTTP2Frame(streamID: stream, payload: .rstStream(.cancel))),
                    promise: nil
                )
            }
            context.flush()
        }
        self.armSendTimer(context: context)
    }
}

@available(*, unavailable)
extension HTTP2FastPath: Sendable {}
