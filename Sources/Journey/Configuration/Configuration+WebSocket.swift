import JourneyWebSocket

extension Configuration {
    /// The built-in WebSocket endpoints on the main listener; routes of your own go on the `Router`.
    public struct WebSocket: Sendable {
        /// Options of the built-in endpoints (`--ws-max-message`, `--ws-ping-interval`, `--ws-pong-timeout`,
        /// `--ws-compression`, `--ws-queue-limit`, `--ws-slow-consumer`).
        public var options = WebSocketOptions.echo
        /// Where an echo endpoint listens (`--ws-echo PATH`); nil for none.
        public var echoPath: String?
        /// Where the pub/sub hub listens (`--ws-pubsub PATH`; `POST PATH/TOPIC` publishes); nil for none.
        public var pubSubPath: String?
        /// Whether a pub/sub publisher subscribed to its topic gets its own message (`--ws-pubsub-exclude-sender`
        /// turns it off).
        public var pubSubIncludesSender = true
        /// Whether browsers showing the folder reload when a file in it changes (`--live-reload`): HTML responses
        /// get a small script that listens on a WebSocket; the folder is watched with inotify. Needs `staticFiles`.
        public var liveReload = false

        /// The defaults: no endpoint.
        public init() {}
    }
}
