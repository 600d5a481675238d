import JourneyCore
import Logging
import NIOCore

/// Who answers a connection's requests and where the answers are reported: what HTTP/1.1 and HTTP/2 share, so that
/// a listener speaking both (TLS with ALPN, h2c) answers, logs and records alike.
public struct HTTPResponding: Sendable {
    /// Answers every request.
    public var responder: any Responder
    /// Where finished requests are logged, if anywhere.
    public var accessLog: (any AccessLogSink)?
    /// The logger for handler errors.
    public var logger: Logger
    /// Whether responses carry a `Server-Timing` field with the request's stage durations.
    public var sendsServerTiming: Bool
    /// Whether a plain GET the responder has a prepared answer for is answered on a fast path (HTTP/1.1's ahead of
    /// llhttp, HTTP/2's without a stream channel), and HTTP/1.1 requests without a body are read ahead of llhttp.
    /// Taken only when the responder is a `PreparedResponder`; prepared answers only when no access log is written
    /// and no `Server-Timing` is sent (both need the parsed request, which requests read ahead of llhttp have). Off,
    /// every request takes the full path (to compare).
    public var takesFastPath = true
    /// The per-loop recorders the connection's journey is stamped into; nil records nothing.
    package var journey: JourneyRecorders?

    /// Answers with `responder`.
    public init(
        responder: any Responder,
        accessLog: (any AccessLogSink)? = nil,
        logger: Logger,
        sendsServerTiming: Bool = false
    ) {
        self.responder = responder
        self.accessLog = accessLog
        self.logger = logger
        self.sendsServerTiming = sendsServerTiming
    }

    /// The responder's prepared answers, when a fast path may use them.
    package var fastPathResponder: (any PreparedResponder)? {
        guard self.takesFastPath, self.answersPrepared else { return nil }
        return self.responder as? any PreparedResponder
    }

    /// Whether prepared answers may be given: not while an access log is written or `Server-Timing` sent (both need
    /// the parsed request, which a prepared answer never has).
    package var answersPrepared: Bool { self.accessLog == nil && !self.sendsServerTiming }

    /// The responder, when HTTP/1.1's fast path may read its requests ahead of llhttp (with or without prepared
    /// answers: they alone need the access log and `Server-Timing` off).
    package var readingResponder: (any PreparedResponder)? {
        guard self.takesFastPath else { return nil }
        return self.responder as? any PreparedResponder
    }

    /// The journey of a connection on `channel`, begun by `handshake` when it is encrypted.
    package func timeline(on channel: any Channel, after handshake: TLSHandshake? = nil) -> ConnectionTimeline {
        ConnectionTimeline(journey: self.journey, on: channel, after: handshake)
    }
}
