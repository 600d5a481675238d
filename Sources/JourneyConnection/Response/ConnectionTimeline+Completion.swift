import JourneyCore
import NIOCore

extension ConnectionTimeline {
    /// The log phase (nginx's): `answered`'s last byte has left, so its journey is recorded and, when there is an
    /// access log, its line written (with `notes`: its response's `X-Request-ID`, the rule that answered it). Every
    /// HTTP version's request handler ends a request here, with the client's address when a log or the dashboard
    /// shows it (`wantsClientAddress`).
    /// Whether `requestCompleted` wants the client's address: an access log writes it, the dashboard shows it.
    package func wantsClientAddress(accessLog: (any AccessLogSink)?) -> Bool {
        accessLog != nil || self.recorder?.keepsRecentRequests == true
    }

    package func requestCompleted(
        _ answered: AnsweredRequest,
        status: Int,
        bodyBytes: Int,
        accessLog: (any AccessLogSink)?,
        remoteAddress: SocketAddress?,
        notes: ResponseNotes = ResponseNotes()
    ) {
        var finished = answered.timeline
        finished.lastByteWritten = self.clock.now()
        self.recorder?.requestFinished(
            finished,
            status: status,
            bodyBytes: bodyBytes,
            request: answered.request,
            requestID: notes.requestID,
            client: remoteAddress
        )
        guard let accessLog else { return }
        let fields = answered.request.head.headerFields
        var entry =
            AccessLogEntry(
                remoteAddress: remoteAddress,
                time: answered.arrivedAt,
                requestLine: answered.requestLine,
                status: status,
                bodyBytes: bodyBytes,
                referer: fields[.referer],
                userAgent: fields[.userAgent],
                timeline: finished,
                handshake: self.handshake,
                requestID: notes.requestID
            )
        entry.host = answered.request.head.authority
        entry.rule = notes.rule
        accessLog.record(entry)
    }

    /// The log phase of a plain GET a fast path answered from a prepared response, without a `Request` (and never
    /// with an access log: a fast path is off when one is written). `lastByteWritten` is shared by the answers of
    /// one flush; `host` is the Host the fast path read (only when answers depend on it), for the count by site.
    package func plainGETCompleted(
        _ timeline: RequestTimeline,
        path: Substring,
        host: Substring? = nil,
        status: Int,
        bodyBytes: Int,
        lastByteWritten: UInt64
    ) {
        var finished = timeline
        finished.lastByteWritten = lastByteWritten
        self.recorder?.requestFinished(
            finished,
            status: status,
            bodyBytes: bodyBytes,
            method: "GET",
            path: path,
            host: host
        )
    }
}
