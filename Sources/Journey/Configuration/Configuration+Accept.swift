import JourneyAccept
import NIOCore

extension Configuration {
    /// How connections are accepted and let go: the Accept stage's settings, for every listener.
    public struct Accept: Sendable, Equatable {
        /// Event loop threads (`--threads`); one per core by default.
        public var threads = System.coreCount
        /// The accept queue length of each listening socket (`--backlog`; nginx's default).
        public var backlog = 511
        /// One shared listening socket, or one per event loop (`--accept`).
        public var model = AcceptModel.shared
        /// The most connections open at once (`--max-connections`); at the cap accepting pauses and the kernel's
        /// accept queue holds the rest. nil: no cap.
        public var maximumConnections: Int?
        /// How long in-flight responses may take to finish after a shutdown signal (`--drain-timeout`).
        public var drainTimeout = Duration.seconds(10)
        /// Whether every connection to the HTTP listeners starts with HAProxy's PROXY protocol header, v1 or v2
        /// (`--proxy-protocol`), naming the client the load balancer accepted it from. Refused from anyone not in
        /// `trustedProxies`.
        public var proxyProtocol = false
        /// The load balancers and proxies whose word about the client is believed (`--trusted-proxies CIDR,…`):
        /// their PROXY header, and `Forwarded` / `X-Forwarded-For` on their requests. Empty: nobody's (with
        /// `proxyProtocol`: this machine's, 127.0.0.0/8 and ::1).
        public var trustedProxies: [String] = []

        /// The proxies believed: `trustedProxies`, or this machine when the PROXY protocol is on and none are named.
        var believedProxies: [String] {
            self.trustedProxies.isEmpty && self.proxyProtocol ? ["127.0.0.0/8", "::1"] : self.trustedProxies
        }

        /// The defaults.
        public init() {}
    }
}
