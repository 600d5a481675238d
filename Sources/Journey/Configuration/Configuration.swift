import JourneyConnection
import JourneyStaticFiles
import Logging
import NIOCore

/// Everything a server can be told, as a tree by stage: where it listens and how it accepts, how long clients may
/// take, HTTP/1.1's and HTTP/2's limits, TLS, the folder it serves, its WebSocket endpoints, and what it shows of the
/// journey. Each default is stated once, here or in the stage's own type; `journey serve`'s flags read them (its
/// `--help` prints them), and a configuration file will map onto the same tree. `validate()` names every problem.
public struct Configuration: Sendable {
    /// ① Accept: the listeners by role (main, admin, redirect, RESP).
    public var listeners = Listeners()
    /// ① Accept: event loops, the accept queue and model, the connection cap, the drain on shutdown.
    public var accept = Accept()
    /// ② Read, ⑤ Decode, ⑦ Write: how slow a client may be (`--header-timeout`, `--body-timeout`, `--min-body-rate`,
    /// `--keepalive-timeout`, `--write-timeout`, `--lingering-timeout`, `--lingering-time`).
    public var timeouts = ConnectionTimeouts()
    /// ④ Parse, ⑤ Decode: HTTP/1.1.
    public var http1 = HTTP1()
    /// ④ Parse, ⑤ Decode: HTTP/2.
    public var http2 = HTTP2()
    /// ③ Decrypt: TLS on the main listener, offering HTTP/2 and HTTP/1.1 by ALPN (`--tls-cert`, `--tls-key`,
    /// `--dev-tls`); nil serves cleartext.
    public var tls: TLSOptions?
    /// ⑥ Process: the folder served (`serve DIR`, `--index`, `--browse`, `--dotfiles`, `--follow-symlinks`,
    /// `--cache-control`); nil serves the embedded site.
    public var staticFiles: StaticFileOptions?
    /// ⑥ Process: several sites on the main listener, chosen by host, each with its folder; empty serves
    /// `staticFiles` to every host.
    public var sites: [Site] = []
    /// ⑥ Process: what a request for a host no site names gets, when there are sites.
    public var unknownHost = UnknownHostAnswer.defaultSite
    /// ⑦ Write: responses compressed on the fly (gzip, Brotli, zstd) for clients that accept it; nil: none
    /// (precompressed siblings are sent whatever this says).
    public var compression: Compression?
    /// ④→⑥ The built-in WebSocket endpoints: echo, pub/sub, live reload.
    public var webSocket = WebSocket()
    /// The journey made visible: stamps, Server-Timing, metrics, the dashboard, the access log, the log level.
    public var observe = Observe()

    /// The defaults: the embedded site on 127.0.0.1:8080.
    public init() {}
}
