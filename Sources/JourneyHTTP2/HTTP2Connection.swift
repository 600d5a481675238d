import JourneyConnection
import JourneyCore
import Logging
import NIOCore
import NIOHTTP2
import NIOHTTPTypesHTTP2

/// HTTP/2 over one connection (swift-nio-http2), each stream answered by the same `Responder` as HTTP/1.1.
///
/// The pipeline: read tap (stamps each read for the streams it carries) → NIOHTTP2's frame codec and flow control
/// → stream event filter → connection manager (idle timeout, graceful GOAWAY on shutdown) → fast path (hot files,
/// answered on the connection) → stream multiplexer; each other stream gets NIOHTTPTypesHTTP2's codec (frames to
/// version-neutral `HTTPRequestPart`s) and a stream handler (Decode, Process, Write). File bodies are read in chunks
/// off the event loop: sendfile cannot frame a stream.
public struct HTTP2Connection: ConnectionProtocol {
    /// Who answers, where the answers are logged, and whether the fast path is taken: what HTTP/1.1 shares.
    public var responding: HTTPResponding
    /// What one client may hold open and send.
    public var limits: HTTP2Limits
    /// How slow a client may be: `keepAliveIdle` is how long a connection with no open stream is kept before it is
    /// closed (GOAWAY), `write` how long a response may wait for a client that does not read (or keeps its window
    /// shut) before its stream is reset.
    public var timeouts: ConnectionTimeouts
    /// How long streams may still run after a graceful GOAWAY (idle, shutdown) before the connection is cut.
    public var gracePeriod: TimeAmount
    /// Where file bodies are read from.
    public var fileReader: any FileChunkReader

    /// "h2" (the ALPN name).
    public var name: String { "h2" }

    /// Creates the protocol for `responding`.
    public init(
        responding: HTTPResponding,
        fileReader: any FileChunkReader,
        limits: HTTP2Limits = HTTP2Limits(),
        timeouts: ConnectionTimeouts = ConnectionTimeouts(),
        gracePeriod: TimeAmount = .seconds(30)
    ) {
        self.responding = responding
        self.fileReader = fileReader
        self.limits = limits
        self.timeouts = timeouts
        self.gracePeriod = gracePeriod
    }

    /// Creates the protocol answering with `responder`, logging nothing.
    public init(
        responder: any Responder,
        fileReader: any FileChunkReader,
        limits: HTTP2Limits = HTTP2Limits(),
        timeouts: ConnectionTimeouts = ConnectionTimeouts()
    ) {
        let responding = HTTPResponding(responder: responder, logger: Logger(label: "journey.http2"))
        self.init(responding: responding, fileReader: fileReader, limits: limits, timeouts: timeouts)
    }

    /// Adds the HTTP/2 handlers to `channel` (h2c with prior knowledge: the client starts with the preface).
    public func configure(_ channel: any Channel) throws {
        try self.configure(channel, timeline: self.responding.timeline(on: channel))
    }

    /// Adds the HTTP/2 handlers behind TLS (ALPN chose `h2`): the first stream carries the handshake.
    public func configure(_ channel: any Channel, after handshake: TLSHandshake) throws {
        try self.configure(channel, timeline: self.responding.timeline(on: channel, after: handshake))
    }

    private func configure(_ channel: any Channel, timeline: ConnectionTimeline) throws {
        let pipeline = channel.pipeline.syncOperations
        let manager = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(
                maxIdleTime: self.timeouts.keepAliveIdle,
                maxAge: nil,
                maxGraceTime: self.gracePeriod,
                keepalive: nil
            )
        )
        let environment = HTTP2StreamEnvironment(
            responder: self.responding.responder,
            fileReader: self.fileReader,
            maximumBodySize: self.limits.maximumBodySize,
            accessLog: self.responding.accessLog,
            logger: self.responding.logger,
            timeline: timeline,
            sendsServerTiming: self.responding.sendsServerTiming,
            sendTimeout: self.timeouts.write
        )
        let loopBoundEnvironment = NIOLoopBound(environment, eventLoop: channel.eventLoop)
        // NIOHTTP2's handler hands its frames on (rather than to an inline multiplexer), so that the fast path can
        // answer hot files before any stream gets a channel; the multiplexer behind it makes one for the rest.
        let http2 = NIOHTTP2Handler(
            mode: .server,
            connectionConfiguration: self.connectionConfiguration,
            streamConfiguration: self.streamConfiguration
        )
        let multiplexer = HTTP2StreamMultiplexer(
            mode: .server,
            channel: channel,
            targetWindowSize: Self.targetWindowSize,
            outboundBufferSizeHighWatermark: StreamedBodyWriter.chunkSize,
            outboundBufferSizeLowWatermark: StreamedBodyWriter.chunkSize / 2
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                let sync = stream.pipeline.syncOperations
                try sync.addHandler(HTTP2FramePayloadToHTTPServerCodec())
                try sync.addHandler(HTTP2StreamHandler(environment: loopBoundEnvironment.value))
            }
        }
        try pipeline.addHandler(HTTP2ReadTap(timeline: timeline))
        try pipeline.addHandler(http2)
        try pipeline.addHandler(HTTP2StreamEventFilter())
        try pipeline.addHandler(manager)
        if let prepared = self.responding.fastPathResponder {
            try pipeline.addHandler(HTTP2FastPath(responder: prepared, environment: environment))
        }
        try pipeline.addHandler(multiplexer)
        try pipeline.addHandler(HTTP2ConnectionCloser(logger: self.responding.logger))
        if channel.isActive {
            // Set up after the connection went active (behind TLS, or once h2c's preface showed): the manager
            // starts its idle timer on channelActive, so it hears of it now.
            try pipeline.context(handler: http2).fireChannelActive()
        }
        channel.closeFuture.assumeIsolated().whenComplete { _ in timeline.closed() }
    }

    /// The inbound window the multiplexer keeps open, for the connection and for each stream: room for a whole chunk
    /// of a client's upload before it must wait for a WINDOW_UPDATE.
    private static let targetWindowSize = 1 << 20

    private var connectionConfiguration: NIOHTTP2Handler.ConnectionConfiguration {
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: self.limits.maximumConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: self.limits.maximumHeaderListSize),
            HTTP2Setting(parameter: .initialWindowSize, value: Self.targetWindowSize),
        ]
        configuration.maximumRecentlyResetStreams = self.limits.maximumConcurrentStreams
        configuration.controlFrameRateLimit.maximumCount = self.limits.maximumControlFramesPerWindow
        configuration.controlFrameRateLimit.windowLength = .seconds(Int64(self.limits.abuseWindowSeconds))
        return configuration
    }

    private var streamConfiguration: NIOHTTP2Handler.StreamConfiguration {
        var configuration = NIOHTTP2Handler.StreamConfiguration()
        configuration.streamResetFrameRateLimit.maximumCount = self.limits.maximumResetsPerWindow
        configuration.streamResetFrameRateLimit.windowLength = .seconds(Int64(self.limits.abuseWindowSeconds))
        configuration.streamErrorRateLimit.maximumCount = self.limits.maximumResetsPerWindow
        configuration.streamErrorRateLimit.windowLength = .seconds(Int64(self.limits.abuseWindowSeconds))
        return configuration
    }
}
