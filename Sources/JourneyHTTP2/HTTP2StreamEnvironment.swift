import JourneyConnection
import JourneyCore
import Logging
import NIOCore

/// What every stream of one HTTP/2 connection shares: the responder, the limits, and the connection's journey
/// (its accept and handshake, its phase while streams are open).
final class HTTP2StreamEnvironment {
    let responder: any Responder
    let fileReader: any FileChunkReader
    let maximumBodySize: Int
    let accessLog: (any AccessLogSink)?
    let logger: Logger
    let timeline: ConnectionTimeline
    let sendsServerTiming: Bool
    /// How long a response's write may wait for the client (its reading, its flow-control window).
    let sendTimeout: TimeAmount
    private var openStreams = 0
    private var executor: EventLoopTaskExecutor?

    init(
        responder: any Responder,
        fileReader: any FileChunkReader,
        maximumBodySize: Int,
        accessLog: (any AccessLogSink)?,
        logger: Logger,
        timeline: ConnectionTimeline,
        sendsServerTiming: Bool,
        sendTimeout: TimeAmount
    ) {
        self.sendTimeout = sendTimeout
        self.responder = responder
        self.fileReader = fileReader
        self.maximumBodySize = maximumBodySize
        self.accessLog = accessLog
        self.logger = logger
        self.timeline = timeline
        self.sendsServerTiming = sendsServerTiming
    }

    /// The executor of the tasks the connection's handlers run in: one for all its streams, made by the first that
    /// needs it. Called on the connection's loop.
    func taskExecutor(on eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        if let executor { return executor }
        let made = EventLoopTaskExecutor(eventLoop)
        self.executor = made
        return made
    }

    /// A stream opened: the connection is busy (the dashboard's "processing") while any is.
    func streamOpened() {
        self.openStreams += 1
        if self.openStreams == 1 { self.timeline.move(to: .processing) }
    }

    /// A stream closed: with none left open the connection is idle.
    func streamClosed() {
        self.openStreams -= 1
        if self.openStreams == 0 { self.timeline.move(to: .idle) }
    }
}

@available(*, unavailable)
extension HTTP2StreamEnvironment: Sendable {}
