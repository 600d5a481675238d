import HTTPTypes

extension Response {
    /// A Server-Sent Events stream (`text/event-stream`): `produce` sends events until it returns, over HTTP/1.1
    /// and HTTP/2 alike.
    ///
    /// Every `heartbeat` a comment is sent too, so an idle stream is not cut by a proxy and a client that went away
    /// is noticed. When the client goes, or the server shuts down, `produce`'s task is
    /// cancelled and the stream ends cleanly. A reconnecting client's `Last-Event-ID` is `request.lastEventID`.
    ///
    /// ```swift
    /// router.get("/ticks") { request, _ in
    ///     Response.eventStream { events in
    ///         for tick in 1... {
    ///             try await events.send(ServerSentEvent(id: "\(tick)", data: "tick \(tick)"))
    ///             try await Task.sleep(for: .seconds(1))
    ///         }
    ///     }
    /// }
    /// ```
    public static func eventStream(
        heartbeat: Duration? = .seconds(15),
        headerFields: HTTPFields = [:],
        _ produce: @escaping @Sendable (_ events: EventStreamWriter) async throws -> Void
    ) -> Response {
        var fields = headerFields
        fields[.contentType] = "text/event-stream"
        if fields[.cacheControl] == nil { fields[.cacheControl] = "no-store" }
        // nginx, when it proxies, buffers responses unless told not to.
        fields[HTTPField.Name("X-Accel-Buffering")!] = "no"
        let body = ResponseBodyStream { writer in
            let events = EventStreamWriter(writer)
            guard let heartbeat else {
                try await produce(events)
                return
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await produce(events) }
                group.addTask {
                    while true {
                        try await Task.sleep(for: heartbeat)
                        try await events.comment()
                    }
                }
                // The producer's end (or the first error) ends the stream; the heartbeat goes with it.
                try await group.next()
                group.cancelAll()
            }
        }
        return Response(status: .ok, headerFields: fields, body: .stream(body))
    }
}

extension Request {
    /// The id of the last event a reconnecting `EventSource` received (`Last-Event-ID`): send it what came after.
    public var lastEventID: String? {
        self.head.headerFields[HTTPField.Name("Last-Event-ID")!]
    }
}
