import JourneyConnection
import JourneyCore
import Logging
import NIOCore
import NIOHTTP1

/// HTTP/1.1 over one connection: the Parse stage on llhttp (NIOHTTP1), feeding a `Responder`.
///
/// The pipeline, in journey order: read/write deadlines (kept by the fast path when there is one), the fast path
/// for prepared answers and the request-line guard (Read) → llhttp decoder (Parse) → parse tap (stamps head and
/// end) → NIO's pipelining handler (responses in request order, one request in flight) → the request handler
/// (Decode, Process, Write, and the status for each parse error). With the fast path, the handlers after it join
/// the connection when a request first needs them: a request with a body, HTTP/1.0, an upgrade or an unusual head
/// (the fast path reads and answers the others itself, prepared or routed).
public struct HTTP1Connection: ConnectionProtocol {
    /// Who answers, where the answers are logged, and whether the fast path is taken: what HTTP/2 shares.
    public var responding: HTTPResponding
    /// Parse and Decode limits.
    public var limits: HTTP1Limits
    /// How slow a client may be before its connection is closed.
    public var timeouts: ConnectionTimeouts
    /// Protocols a request may switch the connection to (`Upgrade:`, e.g. NIOWebSocket's upgrader). A request
    /// no upgrader takes is answered as any other.
    public var upgraders: [any HTTPServerProtocolUpgrader & Sendable] = []
    /// Where file bodies are read from when they cannot go by sendfile (behind TLS); nil sends them by sendfile.
    public var fileReader: (any FileChunkReader)?
    /// The fast path's answers laid out whole, one set per event loop (shared by copies of this value).
    private let datedAnswers = DatedAnswerCaches()

    /// "http/1.1" (the ALPN name).
    public var name: String { "http/1.1" }

    /// Creates the protocol for `responding`.
    public init(
        responding: HTTPResponding,
        limits: HTTP1Limits = HTTP1Limits(),
        timeouts: ConnectionTimeouts = ConnectionTimeouts()
    ) {
        self.responding = responding
        self.limits = limits
        self.timeouts = timeouts
    }

    /// Creates the protocol answering with `responder`, logging nothing.
    public init(
        responder: any Responder,
        limits: HTTP1Limits = HTTP1Limits(),
        timeouts: ConnectionTimeouts = ConnectionTimeouts()
    ) {
        let responding = HTTPResponding(responder: responder, logger: Logger(label: "journey.http1"))
        self.init(responding: responding, limits: limits, timeouts: timeouts)
    }

    /// Adds the HTTP/1.1 handlers to `channel`.
    public func configure(_ channel: any Channel) throws {
        try self.configure(channel, timeline: self.responding.timeline(on: channel))
    }

    /// Adds the HTTP/1.1 handlers behind TLS: the first request carries the handshake.
    public func configure(_ channel: any Channel, after handshake: TLSHandshake) throws {
        try self.configure(channel, timeline: self.responding.timeline(on: channel, after: handshake))
    }

    private func configure(_ channel: any Channel, timeline: ConnectionTimeline) throws {
        let pipeline = channel.pipeline.syncOperations
        channel.closeFuture.assumeIsolated().whenComplete { _ in timeline.closed() }
        guard let prepared = self.responding.readingResponder else {
            let deadlines = ConnectionDeadlineHandler(timeouts: self.timeouts)
            try pipeline.addHandler(deadlines)
            try self.addFullPath(
                to: pipeline,
                after: deadlines,
                deadlines: deadlines,
                timeline: timeline,
                fastPath: nil
            )
            return
        }
        // The full path (llhttp, NIO's HTTP handlers, the request handler: some 3 KiB a connection) is added the
        // first time the fast path hands a request on; a connection that only ever asks for hot files never has it.
        let fastPath = HTTP1FastPath(
            responder: prepared,
            responding: self.responding,
            answers: self.datedAnswers.on(channel.eventLoop),
            fileReader: self.fileReader,
            limits: self.limits,
            timeouts: self.timeouts,
            timeline: timeline
        )
        fastPath.addsFullPath = { fastPath in
            try self.addFullPath(
                to: pipeline,
                after: fastPath,
                deadlines: fastPath,
                timeline: timeline,
                fastPath: fastPath
            )
        }
        try pipeline.addHandler(fastPath)
    }

    /// The request-line guard, llhttp and NIO's HTTP handlers, the parse tap and the request handler, in that
    /// order after `predecessor`.
    private func addFullPath(
        to pipeline: ChannelPipeline.SynchronousOperations,
        after predecessor: any ChannelHandler,
        deadlines: any ConnectionDeadlineKeeper & RemovableChannelHandler,
        timeline: ConnectionTimeline,
        fastPath: HTTP1FastPath?
    ) throws {
        let lineGuard = RequestLineGuard(maximumLength: self.limits.maximumRequestLineLength, timeline: timeline)
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderFieldSize = self.limits.maximumHeaderSectionSize
        decoderLimits.maxHeaderListSize = self.limits.maximumHeaderSectionSize
        try pipeline.addHandler(lineGuard, position: .after(predecessor))
        let handler = HTTP1RequestHandler(
            responder: self.responding.responder,
            limits: self.limits,
            accessLog: self.responding.accessLog,
            logger: self.responding.logger,
            lineGuard: lineGuard,
            deadlines: deadlines,
            timeline: timeline,
            sendsServerTiming: self.responding.sendsServerTiming,
            fileReader: self.fileReader,
            lingering: self.timeouts.lingering,
            fastPath: fastPath
        )
        var upgrade: NIOHTTPServerUpgradeConfiguration?
        if !self.upgraders.isEmpty {
            // The upgrade handler removes NIO's HTTP handlers; ours go first, before the new protocol's
            // handlers are added (its bytes must not reach a handler that expects HTTP).
            let ours = NIOLoopBound(
                (
                    // The deadlines' keeper: the deadline handler, or the fast path.
                    handlers: [deadlines, lineGuard, handler] as [any RemovableChannelHandler],
                    timeline: timeline
                ),
                eventLoop: pipeline.eventLoop
            )
            upgrade = (
                upgraders: self.upgraders,
                completionHandler: { context in
                    let pipeline = context.pipeline.syncOperations
                    for handler in ours.value.handlers { pipeline.removeHandler(handler, promise: nil) }
                    ours.value.timeline.move(to: .upgraded)
                    if let tap = try? pipeline.handler(type: HTTP1ParseTap.self) {
                        pipeline.removeHandler(tap, promise: nil)
                    }
                }
            )
        }
        try pipeline.configureHTTPServerPipeline(
            position: .after(lineGuard),
            withPipeliningAssistance: true,
            withServerUpgrade: upgrade,
            withErrorHandling: false,
            withOutboundHeaderValidation: false,
            withEncoderConfiguration: HTTPResponseEncoder.Configuration(),
            withDecoderLimitConfiguration: decoderLimits
        )
        let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        try pipeline.addHandler(HTTP1ParseTap(timeline: timeline), position: .after(decoder))
        // NIO's last handler: the upgrade handler when there is one, else the pipelining handler.
        let last: any ChannelHandler =
            upgrade == nil
            ? try pipeline.handler(type: HTTPServerPipelineHandler.self)
            : try pipeline.handler(type: HTTPServerUpgradeHandler.self)
        try pipeline.addHandler(handler, position: .after(last))
    }
}
