import JourneyAccept
import JourneyConnection
import JourneyHTTP1
import JourneyHTTP2
import JourneyObserve
import JourneyWebSocket
import Logging
import NIOCore
import NIOPosix

/// Everything `journey serve` can be told, one field per flag, so the CLI and the library configure alike.
public struct Configuration: Sendable {
    /// The address to listen on (`--host`).
    public var host: String = "127.0.0.1"
    /// The port (`--port`); 0 picks a free one.
    public var port: Int = 8080
    /// The accept queue length (`--backlog`).
    public var backlog: Int = 511
    /// Event loop threads (`--threads`); defaults to the number of cores.
    public var threads: Int = System.coreCount
    /// Shared socket or one per loop (`--accept`).
    public var acceptModel: AcceptModel = .shared
    /// The folder to serve (`serve DIR`); nil serves the embedded site.
    public var root: String?
    /// The index file for directory URLs (`--index`).
    public var indexFile: String = "index.html"
    /// HTML listings for directories without an index (`--browse`).
    public var listsDirectories: Bool = false
    /// Serve names starting with a dot (`--dotfiles allow`).
    public var servesDotfiles: Bool = false
    /// Follow symlinks that lead outside the root (`--follow-symlinks`).
    public var followsSymlinks: Bool = false
    /// `Cache-Control` for file responses (`--cache-control`).
    public var cacheControl: String?
    /// Where the access log goes (`--access-log PATH|-`); nil for none.
    public var accessLogPath: String?
    /// The access log's line format (`--access-log-format combined|journey`).
    public var accessLogFormat: AccessLogFormat = .combined
    /// Whether each request's journey is stamped and counted (`--no-journey` turns it off; the dashboard,
    /// Server-Timing and stage metrics then show nothing, which is how their cost is measured).
    public var recordsJourney: Bool = true
    /// Whether a plain GET of a hot in-memory file is answered from what was prepared when the file was cached: on
    /// HTTP/1.1 ahead of llhttp, on HTTP/2 without a stream channel (`--no-fast-path` sends every request the whole
    /// way, to compare). Off by itself while an access log is written or Server-Timing sent.
    public var takesFastPath: Bool = true
    /// Whether responses carry `Server-Timing` with the request's stage durations (`--server-timing`).
    public var sendsServerTiming: Bool = false
    /// Whether `GET /metrics` (Prometheus text) is served on the main listener (`--metrics`).
    public var servesMetrics: Bool = false
    /// A separate listener for `/metrics` and the dashboard (`--admin HOST:PORT`); nil for none.
    public var admin: ListenAddress?
    /// Who may open the live dashboard at `/_journey/` (`--dashboard`, `--dashboard-public`).
    public var dashboard: DashboardAccess = .off
    /// Where the built-in WebSocket echo listens (`--ws-echo PATH`); nil for none.
    public var webSocketEchoPath: String?
    /// Where the built-in pub/sub hub listens (`--ws-pubsub PATH`; `POST PATH/TOPIC` publishes); nil for none.
    public var pubSubPath: String?
    /// Whether a pub/sub publisher subscribed to its topic gets its own message (`--ws-pubsub-exclude-sender`).
    public var pubSubIncludesSender: Bool = true
    /// Whether browsers showing the folder reload when a file in it changes (`--live-reload`): HTML responses get a
    /// small script that listens on a WebSocket; the folder is watched with inotify.
    public var liveReload: Bool = false
    /// Options of the built-in WebSocket endpoints (`--ws-max-message`, `--ws-ping-interval`, `--ws-pong-timeout`,
    /// `--ws-compression`, `--ws-queue-limit`, `--ws-slow-consumer`).
    public var webSocket: WebSocketOptions = .echo
    /// Where a RESP (Redis protocol) listener serves an in-memory keyspace beside HTTP (`--resp [HOST:]PORT`);
    /// nil for none.
    public var resp: ListenAddress?
    /// TLS on the main listener, offering HTTP/2 and HTTP/1.1 by ALPN (`--tls-cert`, `--tls-key`, `--dev-tls`,
    /// `--http-redirect`); nil serves cleartext.
    public var tls: TLSOptions?
    /// Whether the cleartext main listener also speaks HTTP/2 to clients that start with its preface (`--h2c`).
    public var servesCleartextHTTP2: Bool = false
    /// HTTP/2's limits: concurrent streams, header list size, the reset and control-frame rates
    /// (`--h2-max-streams`); its body limit follows `limits.maximumBodySize`.
    public var http2: HTTP2Limits = HTTP2Limits()
    /// The log level for the server's own messages (`--log-level`).
    public var logLevel: Logger.Level = .info
    /// Parse and Decode limits (`--max-header-size`, `--max-body-size`).
    public var limits: HTTP1Limits = HTTP1Limits()
    /// The most connections open at once (`--max-connections`); at the cap accepting pauses and the
    /// kernel's accept queue holds the rest. nil: no cap.
    public var maximumConnections: Int?
    /// How slow a client may be (`--header-timeout`, `--body-timeout`, `--keepalive-timeout`,
    /// `--write-timeout`).
    public var timeouts: ConnectionTimeouts = ConnectionTimeouts()
    /// How long in-flight responses may take to finish after a shutdown signal (`--drain-timeout`).
    public var drainTimeout: Duration = .seconds(10)

    /// The defaults: the embedded site on 127.0.0.1:8080.
    public init() {}
}

/// Who may open the live dashboard: it shows paths and client behaviour, so by default only this machine.
public enum DashboardAccess: Sendable, Equatable {
    /// No dashboard.
    case off
    /// Only clients connecting from a loopback address; others get 403.
    case loopbackOnly
    /// Anyone who can reach the listener.
    case everyone
}
