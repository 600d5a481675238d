import JourneyRESP
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
        /// The Redis (or Valkey) the pub/sub hub shares its topics through with the other instances
        /// (`--pubsub-redis URL`); nil keeps them to this instance.
        public var pubSubRedis: RedisEndpoint?
        /// Put before every channel and key the hub uses in Redis, so deployments can share one
        /// (`--pubsub-prefix`).
        public var pubSubPrefix = "journey:"
        /// How many messages each topic's history keeps in Redis for subscribers that come back
        /// (`--pubsub-history N`); nil keeps none.
        public var pubSubHistory: Int?
        /// Whether browsers showing the folder reload when a file in it changes (`--live-reload`): HTML responses
        /// get a small script that listens on a WebSocket; the folder is watched with inotify. Needs `staticFiles`.
        public var liveReload = false

        /// The defaults: no endpoint.
        public init() {}
    }
}
