import JourneyConnection
import JourneyCore
import JourneyObserve
import JourneyTLS
import JourneyWebSocket

/// What the main listener serves under one configuration: the protocol new connections are given, and what it
/// holds open (the access log, the live-reload watch, the certificate watch). `Server.reload(_:)` makes a new one
/// and retires the old; connections accepted before keep the protocol they were given.
struct MainSite: Sendable {
    /// HTTP/1.1 (and HTTP/2, TLS) over the configuration's router.
    var connectionProtocol: any ConnectionProtocol
    /// Where its requests are logged: the server's log, or each site's (`SiteAccessLog`); nil for none.
    var accessLog: (any AccessLogSink)?
    /// Every log file open for it, the server's and the sites'.
    var accessLogWriters: [AccessLogWriter] = []
    var watcher: DirectoryWatcher?
    /// How its requests are counted by site; nil without sites.
    var siteCounting: SiteCounting?
    /// The listener's certificate (the one for clients that name no site), kept current.
    var certificateWatch: CertificateWatch?
    /// The sites' own certificates, chosen by SNI, kept current.
    var siteCertificateWatches: [CertificateWatch] = []

    /// Every certificate watched.
    var allCertificateWatches: [CertificateWatch] {
        (self.certificateWatch.map { [$0] } ?? []) + self.siteCertificateWatches
    }
}
