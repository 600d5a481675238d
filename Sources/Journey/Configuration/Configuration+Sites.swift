import JourneyObserve
import JourneyStaticFiles

extension Configuration {
    /// One site of several on the main listener, chosen by the request's host (nginx's `server` block with its
    /// `server_name`, Caddy's site block).
    public struct Site: Sendable {
        /// The names it answers to: `example.com` exactly, `*.example.com` for any name under it (not the bare
        /// name), `.example.com` for both. Compared without case, port or trailing dot.
        public var hosts: [String]
        /// Whether a request for a host no site names goes here (`unknownHost: .defaultSite`); without one the first
        /// site is the default, as in nginx.
        public var isDefault = false
        /// The folder it serves; nil serves nothing but 404.
        public var staticFiles: StaticFileOptions?
        /// Its own certificate, sent to clients that name one of `hosts` by SNI; nil: the listener's (`tls`).
        /// Only its certificate and key (and check interval) are the site's: the handshake is the listener's.
        public var tls: TLSOptions?
        /// Where the site's requests are logged (`-`: standard output); nil logs them with the server's
        /// (`observe.accessLogPath`).
        public var accessLogPath: String?
        /// The site's log line format; nil: the server's (`observe.accessLogFormat`).
        public var accessLogFormat: AccessLogFormat?
        /// What the site does beyond serving its folder, for the paths each rule matches; the first match applies.
        public var rules: [SiteRule] = []

        /// A site for `hosts` serving `staticFiles`.
        public init(hosts: [String], staticFiles: StaticFileOptions? = nil) {
            self.hosts = hosts
            self.staticFiles = staticFiles
        }
    }

    /// What a request whose host no site names is answered with.
    public enum UnknownHostAnswer: String, Sendable, CaseIterable {
        /// The default site serves it (nginx's `default_server`).
        case defaultSite
        /// 421 Misdirected Request: this server does not serve that name (RFC 9110 §15.5.20).
        case misdirected
        /// 404 Not Found.
        case notFound
    }
}
