extension Configuration {
    /// Where the server listens, by role: the roles say what each listener serves, so nothing is told apart by its
    /// position (`Server.listening` reports each bound one with its role).
    public struct Listeners: Sendable, Equatable {
        /// The main listener: the site, its routes, its WebSocket endpoints (`--host`, `--port`; port 0 picks a free
        /// one).
        public var main = ListenAddress(host: "127.0.0.1", port: 8080)
        /// A separate listener for `/metrics`, the dashboard and accept control (`--admin HOST:PORT`): bind it where
        /// only operators can reach it. nil for none.
        public var admin: ListenAddress?
        /// With TLS: a plain listener that answers every request with a 308 to the same URL over https
        /// (`--http-redirect`). nil for none.
        public var redirect: ListenAddress?
        /// A RESP (Redis protocol) listener serving an in-memory keyspace (`--resp [HOST:]PORT`). nil for none.
        public var resp: ListenAddress?
        /// More addresses the main listener's site is served on: IPv6 beside IPv4 (`[::]:8080`), a second port.
        public var additional: [ListenAddress] = []
        /// Unix domain sockets the main listener's site is served on (for a proxy on the same machine).
        public var unixSockets: [UnixSocketListener] = []
        /// Whether the main listener's site is served on the listening sockets systemd passes (socket activation,
        /// `LISTEN_FDS`/`LISTEN_PID`) instead of binding `main`; without any passed, `main` is bound.
        public var socketActivation = false

        /// The defaults: only the main listener, on 127.0.0.1:8080.
        public init() {}
    }
}

/// A Unix domain socket to listen on, with the file's permissions: who may connect is who may write to it.
public struct UnixSocketListener: Sendable, Equatable {
    /// The socket file; a stale one left by an earlier run is replaced.
    public var path: String
    /// The file's permission bits (`0o660`: the owner and the group may connect).
    public var mode: Int
    /// `user` or `user:group` the file is given to (a proxy's group, say); nil keeps the server's.
    public var owner: String?

    /// A socket at `path` with `mode` (owner and group by default), owned by `owner` when given.
    public init(path: String, mode: Int = 0o660, owner: String? = nil) {
        self.path = path
        self.mode = mode
        self.owner = owner
    }
}

/// What a listener is for: how `Server.listening` and `onListening` name the ports they report.
public enum ListenerRole: Sendable, Hashable, CustomStringConvertible {
    /// The main listener (`Configuration.Listeners.main`).
    case main
    /// The admin listener (`Configuration.Listeners.admin`).
    case admin
    /// The https redirect (`Configuration.Listeners.redirect`).
    case redirect
    /// The RESP listener (`Configuration.Listeners.resp`).
    case resp
    /// A listener added with `Server.listen(on:protocol:)` or `listen(on:connectionProtocol:)`, by its protocol's
    /// name.
    case custom(String)

    /// `main`, `admin`, `redirect`, `resp`, or the custom protocol's name.
    public var description: String {
        switch self {
        case .main: "main"
        case .admin: "admin"
        case .redirect: "redirect"
        case .resp: "resp"
        case .custom(let name): name
        }
    }
}

/// A bound listener: its role and where it listens (the port the kernel chose when 0 was asked for).
public struct Listening: Sendable, Equatable {
    /// What the listener is for.
    public var role: ListenerRole
    /// The host it was asked to listen on, and the port it is bound to.
    public var address: ListenAddress
}
