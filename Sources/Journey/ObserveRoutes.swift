import HTTPTypes
import JourneyAccept
import JourneyCore
import JourneyObserve
import JourneySite
import JourneyStaticFiles
import JourneyWebSocket
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The routes that make the journey visible: `/metrics` (Prometheus) and `/_journey/` (the live dashboard
/// and its WebSocket feed).
struct ObserveRoutes: Sendable {
    let statistics: JourneyStatistics
    let admission: ConnectionAdmission
    /// Gathers the latest numbers (loops, accept queues, kernel counters) before a scrape.
    let refresh: @Sendable () async -> Void

    /// `GET /metrics`: the Prometheus text exposition format, version 0.0.4.
    func addMetrics(to router: inout Router) {
        let statistics = self.statistics
        let refresh = self.refresh
        router.get("/metrics") { _, _ in
            await refresh()
            let body = ByteBuffer(bytes: statistics.exposition())
            return Response(
                status: .ok,
                headerFields: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .bytes(body)
            )
        }
    }

    /// `POST /accept/pause` and `POST /accept/resume`: an operator holds new connections in the kernel's accept
    /// queue for a moment (and lets them in again). Only on the admin listener, which the cap never pauses.
    func addAcceptControl(to router: inout Router) {
        let admission = self.admission
        router.post("/accept/pause") { _, _ in
            await admission.pauseAccepting()
            return .text("accepting paused\n")
        }
        router.post("/accept/resume") { _, _ in
            await admission.resumeAccepting()
            return .text(admission.isPaused ? "resumed; still paused at the connection cap\n" : "accepting\n")
        }
    }

    /// `/_journey/`: the dashboard page, embedded in the binary (`/_journey` redirects to it), and its feed.
    func addDashboard(to router: inout Router, access: DashboardAccess) {
        let files = DefaultSite.dashboard(modificationTime: Int(time(nil)))
        let guarded = AccessGuard(access: access, responder: files)
        router.on(.get, "/_journey/**", responder: guarded)
        router.add(self.feed(access: access))
    }

    /// Where the dashboard's feed is.
    static let feedPath = "/_journey/live"
    /// How often the feed sends a snapshot.
    static let feedInterval = Duration.milliseconds(500)

    /// The dashboard's feed: a WebSocket route (on the same session as every other, with no task) that sends a JSON
    /// snapshot every 500 ms, server to browser. The session answers pings, echoes a close and says 1001 on shutdown;
    /// its outbound limit drops the snapshots a stalled browser does not read (one queued at most), and its pings let
    /// go of one that has vanished. Nothing is compressed: a snapshot is small and sent often.
    private func feed(access: DashboardAccess) -> WebSocketRoute {
        let statistics = self.statistics
        let admission = self.admission
        var options = WebSocketOptions()
        options.compression = .off
        options.maximumMessageSize = 1 << 14
        options.maximumFrameSize = 1 << 14
        options.slowConsumerPolicy = .drop
        options.outboundQueueLimit = 64 << 10
        var route = WebSocketRoute(Self.feedPath, options: options) { socket, _ in
            // A timer on the connection's loop; the browser's close (or the server's 1001 on shutdown) stops it.
            let interval = TimeAmount(Self.feedInterval)
            let feed = socket.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { _ in
                var snapshot = statistics.snapshot()
                snapshot.acceptingPaused = admission.isPaused || admission.isPausedByOperator
                socket.send(EncodedFrame(text: ByteBuffer(string: snapshot.json)))
            }
            socket.onClose { _, _ in feed.cancel() }
        }
        // Checked at once, on the loop: the feed's upgrade starts no task.
        route.admits = { context in access.allows(context.remoteAddress) ? .upgrade() : .refuse(.forbidden) }
        return route
    }
}

/// Answers 403 to clients the dashboard access does not let in, redirects `/_journey` to the page (the router reads
/// both as one path), and hands the rest to `responder`.
struct AccessGuard: Responder {
    let access: DashboardAccess
    let responder: any Responder

    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        guard self.access.allows(context.remoteAddress) else {
            return context.eventLoop.makeFailedFuture(HTTPError(.forbidden))
        }
        if request.path == "/_journey" {
            let redirect = Response(status: .permanentRedirect, headerFields: [.location: "/_journey/"])
            return context.eventLoop.makeSucceededFuture(redirect)
        }
        return self.responder.respond(to: request, context: context)
    }
}

extension DashboardAccess {
    /// Whether a client at `address` may see the dashboard.
    func allows(_ address: SocketAddress?) -> Bool {
        switch self {
        case .off: return false
        case .everyone: return true
        case .loopbackOnly: return address?.isLoopback ?? false
        }
    }
}

extension SocketAddress {
    /// 127.0.0.0/8, ::1, or an IPv4-mapped loopback address (::ffff:127.x.y.z).
    var isLoopback: Bool {
        switch self {
        case .v4(let address):
            return UInt32(bigEndian: address.address.sin_addr.s_addr) >> 24 == 127
        case .v6(let address):
            let bytes = withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
            return bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff && bytes[12] == 127
        case .unixDomainSocket:
            return true
        }
    }
}
