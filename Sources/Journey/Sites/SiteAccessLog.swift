import JourneyCore
import JourneyObserve

/// The access log of several sites: each request's line goes to the log of the site its host names (the server's
/// log for a site without one), and a host no site names to the log of where it was answered.
struct SiteAccessLog: AccessLogSink {
    /// Each site's log (nil: none at all), by the hosts it names.
    let logs: SiteTable<AccessLogWriter?>
    /// The log of requests for a host no site names (or no host).
    let unknownHost: AccessLogWriter?

    func record(_ entry: AccessLogEntry) {
        if let host = entry.host, let log = self.logs.site(for: host[...]) {
            log?.record(entry)
        } else {
            self.unknownHost?.record(entry)
        }
    }
}
