import NIOCore

/// What the log phase knows about one finished request (nginx's `$remote_addr`, `$request`, …).
public struct AccessLogEntry: Sendable {
    /// The peer's address.
    public var remoteAddress: SocketAddress?
    /// When the request head arrived, seconds since the epoch.
    public var time: Int
    /// `GET /path HTTP/1.1`, as the client sent it.
    public var requestLine: String
    /// The response status code.
    public var status: Int
    /// Body bytes sent.
    public var bodyBytes: Int
    /// The `Referer` field, if any.
    public var referer: String?
    /// The `User-Agent` field, if any.
    public var userAgent: String?
    /// The request's journey through the stages.
    public var timeline: RequestTimeline
    /// The TLS handshake of the request's connection (version, ALPN), nil on a plain one.
    public var handshake: TLSHandshake?
    /// The request's id (`X-Request-ID` on its response, from `RequestIDMiddleware`), nil when it had none.
    public var requestID: String?
    /// The host the request named (Host, or `:authority`), as it arrived: which site it was for.
    public var host: String?
    /// The configured rule that gave or shaped the answer (`redirect /old/`, `refused:rate-limit /api/`), nil when
    /// none did.
    public var rule: String?

    /// Creates an entry.
    public init(
        remoteAddress: SocketAddress?,
        time: Int,
        requestLine: String,
        status: Int,
        bodyBytes: Int,
        referer: String?,
        userAgent: String?,
        timeline: RequestTimeline = RequestTimeline(),
        handshake: TLSHandshake? = nil,
        requestID: String? = nil
    ) {
        self.requestID = requestID
        self.handshake = handshake
        self.timeline = timeline
        self.remoteAddress = remoteAddress
        self.time = time
        self.requestLine = requestLine
        self.status = status
        self.bodyBytes = bodyBytes
        self.referer = referer
        self.userAgent = userAgent
    }
}

/// Receives one entry per finished request: the journey's log phase.
public protocol AccessLogSink: Sendable {
    /// Records `entry`; must not block (the caller is an event loop).
    func record(_ entry: AccessLogEntry)
}
