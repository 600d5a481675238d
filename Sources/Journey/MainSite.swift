import JourneyConnection
import JourneyObserve
import JourneyTLS
import JourneyWebSocket

/// What the main listener serves under one configuration: the protocol new connections are given, and what it
/// holds open (the access log, the live-reload watch, the certificate watch). `Server.reload(_:)` makes a new one
/// and retires the old; connections accepted before keep the protocol they were given.
struct MainSite: Sendable {
    /// HTTP/1.1 (and HTTP/2, TLS) over the configuration's router.
    var connectionProtocol: any ConnectionProtocol
    var accessLog: AccessLogWriter?
    var watcher: DirectoryWatcher?
    var certificateWatch: CertificateWatch?
}
