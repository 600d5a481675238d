import JourneyConnection
import JourneyCore
import Logging
import NIOCore
import NIOHTTP1

/// HTTP/1.1 over one connection: the Parse stage on llhttp (NIOHTTP1), feeding a `Responder`.
///
/// The pipeline, in journey order: read/write deadlines and request-line guard (Read) → llhttp decoder (Parse) → NIO's
/// pipelining handler (responses in request order, one request in flight) → the request handler
/// (Decode, Process, Write, and the status for each parse error).
public struct HTTP1Connection: ConnectionProtocol {
    /// Answers every request on the connection.
    public var responder: any Responder
    /// Parse and Decode limits.
    public var limits: HTTP1Limits
    /// How slow a client may be before its connection is closed.
    public var timeouts: ConnectionTimeouts
    /// Where finished requests are logged, if anywhere.
    public var accessLog: (any AccessLogSink)?
    /// The logger for handler errors.
    public var logger: Logger

    /// Creates the protocol.
    public init(
        responder: any Responder,
        limits: HTTP1Limits = HTTP1Limits(),
        timeouts: ConnectionTimeouts = ConnectionTimeouts(),
        accessLog: (any AccessLogSink)? = nil,
        logger: Logger = Logger(label: "journey.http1")
    ) {
        self.responder = responder
        self.limits = limits
        self.timeouts = timeouts
        self.accessLog = accessLog
        self.logger = logger
    }

    /// Adds the HTTP/1.1 handlers to `channel`.
    public func configure(_ channel: any Channel) throws {
        let pipeline = channel.pipeline.syncOperations
        let lineGuard = RequestLineGuard(maximumLength: self.limits.maximumRequestLineLength)
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderFieldSize = self.limits.maximumHeaderSectionSize
        decoderLimits.maxHeaderListSize = self.limits.maximumHeaderSectionSize
        let deadlines = ConnectionDeadlineHandler(timeouts: self.timeouts)
        try pipeline.addHandler(deadlines)
        try pipeline.addHandler(lineGuard)
        try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: true,
            withErrorHandling: false,
            withOutboundHeaderValidation: false,
            withEncoderConfiguration: HTTPResponseEncoder.Configuration(),
            withDecoderLimitConfiguration: decoderLimits
        )
        try pipeline.addHandler(
            HTTP1RequestHandler(
                responder: self.responder,
                limits: self.limits,
                accessLog: self.accessLog,
                logger: self.logger,
                lineGuard: lineGuard,
                deadlines: deadlines
            )
        )
    }
}
