extension WebSocketRoute {
    /// A route that sends every message back as it came: what Autobahn|Testsuite's fuzzing client tests, and a
    /// quick way to see a WebSocket work.
    /// It answers on the event loop, with no task.
    public static func echo(_ path: String, options: WebSocketOptions = .echo) -> WebSocketRoute {
        WebSocketRoute(path, options: options) { socket, _ in
            socket.onText { socket, text in socket.send(text: text) }
            socket.onBinary { socket, bytes in socket.send(binary: bytes) }
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
