import JourneyConnection
import JourneyCore
import Logging
import NIOCore
import NIOHTTP2
import NIOHTTPTypesHTTP2

/// HTTP/2 over one connection (swift-nio-http2), each stream answered by the same `Responder` as HTTP/1.1.
///
/// The pipeline: read tap (stamps each read for the streams it carries) → NIOHTTP2's frame codec, flow control
/// and stream multiplexer → connection manager (idle timeout, graceful GOAWAY on shutdown); each stream gets
/// NIOHTTPTypesHTTP2's codec (frames to version-neutral `HTTPRequestPart`s) and a stream handler (Decode, Process,
/// Write). File bodies are read in chunks off the event loop: sendfile cannot frame a stream.
public struct HTTP2Connection: ConnectionProtocol {
    /// Answers every stream.
    public var responder: any Responder
    /// What one client may hold open and send.
    public var limits: HTTP2Limits
    /// How long a connection with no open stream is kept before it is closed (GOAWAY).
    public var idleTimeout: TimeAmount
    /// How long a response's write may wait for a client that does not read (or keeps its window shut) before
    /// its stream is reset.
    public var sendTimeout: TimeAmount
    /// How long streams may still run after a graceful GOAWAY (idle, shutdown) before the connection is cut.
    public var gracePeriod: TimeAmount
    /// Where file bodies are read from.
    public var fileReader: any FileChunkReader
    /// Where finished requests are logged, if anywhere.
    public var accessLog: (any AccessLogSink)?
    /// The logger for handler errors.
    public var logger: Logger
    /// The per-loop recorders the streams' journeys are stamped into; nil records nothing.
    public var journey: JourneyRecorders?
    /// Whether responses carry a `Server-Timing` field with the request's stage durations.
    public var sendsServerTiming: Bool

    /// "h2" (the ALPN name).
    public var name: String { "h2" }

    /// Creates the protocol.
    public init(
        responder: any Responder,
        fileReader: any FileChunkReader,
        limits: HTTP2Limits = HTTP2Limits(),
        idleTimeout: TimeAmount = .seconds(75),
        gracePeriod: TimeAmount = .seconds(30),
        sendTimeout: TimeAmount = .seconds(60),
        accessLog: (any AccessLogSink)? = nil,
        logger: Logger = Logger(label: "journey.http2"),
        journey: JourneyRecorders? = nil,
        sendsServerTiming: Bool = false
    ) {
        self.responder = responder
        self.fileReader = fileReader
        self.limits = limits
        self.idleTimeout = idleTimeout
        self.gracePeriod = gracePeriod
        self.sendTimeout = sendTimeout
        self.accessLog = accessLog
        self.logger = logger
        self.journey = journey
        self.sendsServerTiming = sendsServerTiming
    }

    /// Adds the HTTP/2 handlers to `channel` (h2c with prior knowledge: the client starts with the preface).
    public func configure(_ channel: any Channel) throws {
        try self.configure(channel, timeline: ConnectionTimeline(journey: self.journey, on: channel))
    }

    /// Adds the HTTP/2 handlers behind TLS (ALPN chose `h2`): the first stream carries the handshake.
    public func configure(_ channel: any Channel, after handshake: TLSHandshake) throws {
        try self.configure(channel, timeline: ConnectionTimeline(journey: self.journey, on: channel, after: handshake))
    }

    private func configure(_ channel: any Channel, timeline: ConnectionTimeline) throws {
        let pipeline = channel.pipeline.syncOperations
        let manager = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(
                maxIdleTime: self.idleTimeout,
                maxAge: nil,
                maxGraceTime: self.gracePeriod,
                keepalive: nil
            )
        )
        let environment = HTTP2StreamEnvironment(
            responder: self.responder,
            fileReader: self.fileReader,
            maximumBodySize: self.limits.maximumBodySize,
            accessLog: self.accessLog,
            logger: self.logger,
            timeline: timeline,
            sendsServerTiming: self.sendsServerTiming,
            sendTimeout: self.sendTimeout
        )
        let loopBoundEnvironment = NIOLoopBound(environment, eventLoop: channel.eventLoop)
        let http2 = NIOHTTP2Handler(
            mode: .server,
            eventLoop: channel.eventLoop,
            connectionConfiguration: self.connectionConfiguration,
            streamConfiguration: self.streamConfiguration,
            streamDelegate: manager.http2StreamDelegate
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                let sync = stream.pipeline.syncOperations
                try sync.addHandler(HTTP2FramePayloadToHTTPServerCodec())
                try sync.addHandler(HTTP2StreamHandler(environment: loopBoundEnvironment.value))
            }
        }
        try pipeline.addHandler(HTTP2ReadTap(timeline: timeline))
        try pipeline.addHandler(http2)
        try pipeline.addHandler(manager)
        try pipeline.addHandler(HTTP2ConnectionCloser(logger: self.logger))
        if channel.isActive {
            // Set up after the connection went active (behind TLS, or once h2c's preface showed): the manager
            // starts its idle timer on channelActive, so it hears of it now.
            try pipeline.context(handler: http2).fireChannelActive()
        }
        channel.closeFuture.assumeIsolated().whenComplete { _ in timeline.closed() }
    }

    private var connectionConfiguration: NIOHTTP2Handler.ConnectionConfiguration {
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: self.limits.maximumConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: self.limits.maximumHeaderListSize),
            // Room for a whole chunk of a client's upload per stream before it must wait for a WINDOW_UPDATE.
            HTTP2Setting(parameter: .initialWindowSize, value: 1 << 20),
        ]
        configuration.targetWindowSize = 1 << 24
        configuration.maximumRecentlyResetStreams = self.limits.maximumConcurrentStreams
        configuration.controlFrameRateLimit.maximumCount = self.limits.maximumControlFramesPerWindow
        configuration.controlFrameRateLimit.windowLength = .seconds(Int64(self.limits.abuseWindowSeconds))
        return configuration
    }

    private var streamConfiguration: NIOHTTP2Handler.StreamConfiguration {
        var configuration = NIOHTTP2Handler.StreamConfiguration()
        configuration.targetWindowSize = 1 << 20
        // A stream's writes wait (its channel turns unwritable) beyond one chunk of a file body.
        configuration.outboundBufferSizeHighWatermark = StreamedBodyWriter.chunkSize
        configuration.outboundBufferSizeLowWatermark = StreamedBodyWriter.chunkSize / 2
        configuration.streamResetFrameRateLimit.maximumCount = self.limits.maximumResetsPerWindow
        configuration.streamResetFrameRateLimit.windowLength = .seconds(Int64(self.limits.abuseWindowSeconds))
        configuration.streamErrorRateLimit.maximumCount = self.limits.maximumResetsPerWindow
        configuration.streamErrorRateLimit.windowLength = .seconds(Int64(self.limits.abuseWindowSeconds))
        return configuration
    }
}
