import JourneyObserve
import Logging

extension Configuration {
    /// What the server shows of the journey, and to whom.
    public struct Observe: Sendable, Equatable {
        /// Whether each request's journey is stamped and counted (`--no-journey` turns it off; the dashboard,
        /// Server-Timing and stage metrics then show nothing, which is how their cost is measured).
        public var recordsJourney = true
        /// Whether responses carry `Server-Timing` with the request's stage durations (`--server-timing`).
        public var sendsServerTiming = false
        /// Whether `GET /metrics` (Prometheus text) is served on the main listener (`--metrics`); the admin listener
        /// serves it whatever this says.
        public var servesMetrics = false
        /// Who may open the live dashboard at `/_journey/` on the main listener (`--dashboard`,
        /// `--dashboard-public`).
        public var dashboard = DashboardAccess.off
        /// Where the access log goes (`--access-log PATH|-`); nil for none.
        public var accessLogPath: String?
        /// The access log's line format (`--access-log-format combined|journey`).
        public var accessLogFormat = AccessLogFormat.combined
        /// The level of the server's own log messages (`--log-level`).
        public var logLevel = Logger.Level.info
        /// This instance's name among several (`--instance-id`): every metric's `instance` label, and the origin
        /// of its pub/sub publishes. Nil: the host name and the main listener's port.
        public var instanceID: String?

        /// The defaults: the journey stamped, nothing shown.
        public init() {}
    }
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
