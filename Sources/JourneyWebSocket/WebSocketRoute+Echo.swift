extension WebSocketRoute {
    /// A route that sends every message back as it came: what Autobahn|Testsuite's fuzzing client tests, and a
    /// quick way to see a WebSocket work.
    public static func echo(_ path: String, options: WebSocketOptions = .echo) -> WebSocketRoute {
        WebSocketRoute(path, options: options) { inbound, outbound, _ in
            for try await message in inbound {
                try await outbound.send(message)
            }
        }
    }
}

extension WebSocketOptions {
    /// For an echo endpoint: 16 MiB messages and frames (Autobahn's largest cases send 16 MiB). The outbound queue
    /// keeps its 1 MiB bound: a message bigger than that still goes whenever nothing else waits.
    public static var echo: WebSocketOptions {
        var options = WebSocketOptions()
        options.maximumFrameSize = 16 << 20
        options.maximumMessageSize = 16 << 20
        return options
    }
}
