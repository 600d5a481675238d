import HTTPTypes

/// What a site does for the paths one pattern matches, beyond serving its folder: nginx's `location` block, Caddy's
/// matcher with its directives. A site's rules are tried in order and the first whose `path` matches applies; a path
/// no rule matches is served from the folder as it is (and keeps the fast path).
///
/// What a matching rule does, in this order: answer a CORS preflight (`cors`); refuse a client outside
/// `allow`/inside `deny` (403), one over its `rateLimit` (429), one without the credentials `basicAuth` asks (401);
/// answer with `redirect`; serve `rewrite`'s
/// path (or the first of `tryFiles` that exists) instead of the request's; put `errorPages` in place of error
/// answers; apply `headers` (and `cors`'s marks) to whatever answers.
public struct SiteRule: Sendable {
    /// Which paths: `/docs/` (a prefix), `= /exact` (this path only), `~ ^/post/([0-9]+)$` (a POSIX extended
    /// regular expression; `~*` ignores case). Compared with the path as it arrived (percent-encoded, no query).
    public var path: String
    /// Answer with a redirect instead (nginx's `return 301 URL`).
    public var redirect: Redirect?
    /// Serve this path instead, from the same folder, without telling the client (nginx's `rewrite … last`). `$1`
    /// to `$9` are a regular expression's groups; `$path` the request's path.
    public var rewrite: String?
    /// Serve the first of these paths that names a file (nginx's `try_files`; the last one is served whatever it
    /// answers: `["$path", "/index.html"]` is a single-page app's fallback).
    public var tryFiles: [String] = []
    /// Fields added to, set on or removed from every answer the rule gives (errors too, as nginx's `always`).
    public var headers = HeaderRule()
    /// Who may be served: clients in any of these networks (`10.0.0.0/8`, `::1/128`); empty allows every client
    /// not denied.
    public var allow: [String] = []
    /// Who is refused (403): clients in any of these networks, even if allowed.
    public var deny: [String] = []
    /// A username and password the client must send (RFC 7617).
    public var basicAuth: BasicAuth?
    /// How many requests a client (by address) may make (nginx's `limit_req`).
    public var rateLimit: RateLimit?
    /// The largest request body, in bytes (413 beyond it); nil: the server's.
    public var maximumBodySize: Int?
    /// Cross-origin reads (CORS) of this rule's paths: preflights answered with 204, answers marked for the origins
    /// allowed (`CORSMiddleware`'s rules, the standard's).
    public var cors: CORSMiddleware?
    /// Whether a directory without an index file is listed (HTML, or JSON for `Accept: application/json`) under
    /// this rule's paths; nil: as the site's folder says (nginx's `autoindex` per location).
    public var listsDirectories: Bool?
    /// A page of the site's folder for an error status (`404: /404.html`), answered with that status.
    public var errorPages: [Int: String] = [:]

    /// A rule for the paths `path` matches, doing nothing until told.
    public init(path: String) {
        self.path = path
    }

    /// A redirect: where to and with which status.
    public struct Redirect: Sendable, Equatable {
        /// The target: a URL or a path. `$1` to `$9` are a regular expression's groups, `$path` the request's path,
        /// `$rest` what follows a prefix, `$query` the query (with its `?`), `$host` the request's host.
        public var to: String
        /// 301, 302, 303, 307 or 308.
        public var status: Int

        /// A redirect to `to` with `status` (a permanent one, 301, by default).
        public init(to: String, status: Int = 301) {
            self.to = to
            self.status = status
        }
    }

    /// Response fields to change.
    public struct HeaderRule: Sendable, Equatable {
        /// Fields added beside any of the same name.
        public var add: [String: String] = [:]
        /// Fields set, replacing any of the same name.
        public var set: [String: String] = [:]
        /// Fields removed.
        public var remove: [String] = []

        /// No change.
        public init() {}

        /// Whether it changes nothing.
        public var isEmpty: Bool { self.add.isEmpty && self.set.isEmpty && self.remove.isEmpty }
    }

    /// HTTP Basic authentication with password hashes checked by the system's `crypt(3)`.
    public struct BasicAuth: Sendable, Equatable {
        /// The realm the browser shows.
        public var realm: String
        /// Users and their password hashes as `crypt(3)` writes them: bcrypt (`$2b$`), yescrypt (`$y$`),
        /// SHA-512 (`$6$`) — what `mkpasswd` and `htpasswd -B` make.
        public var users: [String: String]

        /// Users `users` in `realm`.
        public init(realm: String = "restricted", users: [String: String]) {
            self.realm = realm
            self.users = users
        }
    }

    /// A per-client request rate, as nginx's `limit_req`: a bucket that leaks `requestsPerSecond`, with room for
    /// `burst` requests beyond it.
    public struct RateLimit: Sendable, Equatable {
        /// The sustained rate.
        public var requestsPerSecond: Double
        /// How many requests beyond the rate may wait (or, with `nodelay`, pass at once).
        public var burst: Int
        /// Whether requests within the burst are answered at once rather than spaced to the rate.
        public var nodelay: Bool

        /// A limit of `requestsPerSecond`, `burst` beyond it, delayed unless `nodelay`.
        public init(requestsPerSecond: Double, burst: Int = 0, nodelay: Bool = false) {
            self.requestsPerSecond = requestsPerSecond
            self.burst = burst
            self.nodelay = nodelay
        }
    }
}
