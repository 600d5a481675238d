import JourneyAccept
import JourneyConnection
import JourneyHTTP1
import Logging
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
    /// Where the Combined Log Format access log goes (`--access-log PATH|-`); nil for none.
    public var accessLogPath: String?
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
