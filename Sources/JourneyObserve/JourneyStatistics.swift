import CoreMetrics
import JourneyCore
import NIOConcurrencyHelpers
import NIOCore
import Prometheus

/// The server's journey, gathered: each loop's recorder is collected once a second (or when a scrape asks),
/// kept as a 10-second window for percentiles and a minute of rates for the dashboard, and fed to the
/// swift-metrics instruments that swift-prometheus exposes.
///
/// The request path never touches this type: it only counts into its loop's `JourneyRecorder`.
public final class JourneyStatistics: Sendable {
    /// The per-loop recorders the stages stamp into.
    package let recorders: JourneyRecorders
    /// The Prometheus registry behind `/metrics`; embedders may register their own metrics on it.
    public let registry: PrometheusCollectorRegistry
    private let instruments: JourneyInstruments?
    private let state = NIOLockedValueBox(State())
    /// The newest collection, which the next one waits for.
    private let lastCollection = NIOLockedValueBox<EventLoopFuture<Void>?>(nil)

    /// Seconds in the percentile window.
    public static let windowSeconds = 10
    /// Seconds of rate history kept for the sparklines.
    public static let historySeconds = 60

    private struct State {
        var window: [JourneyInterval] = Array(repeating: JourneyInterval(), count: JourneyStatistics.windowSeconds)
        var current = 0
        var totals = JourneyInterval()
        var requestRates: [UInt64] = []
        var byteRates: [UInt64] = []
        var recent: [RecentRequest] = []
        var acceptQueues: [AcceptQueueSample] = []
        var listenBaseline: ListenQueueCounters?
        var listenCounters = ListenQueueCounters()
        var sockets: SocketQueues?
        var roundTripMicroseconds: Int?
    }

    /// Statistics over `recorders`; with `exposesMetrics` the Prometheus instruments are fed too (they cost
    /// a histogram update per request per stage once a second, so they are fed only when something reads them).
    /// `instance` labels every metric (`--instance-id`), so the series of several instances stay apart.
    /// With `backplane`, the pub/sub backplane's statistics are kept (and exposed) too.
    package init(recorders: JourneyRecorders, exposesMetrics: Bool, instance: String? = nil, backplane: Bool = false) {
        self.recorders = recorders
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.instance = instance
        self.instanceLabels = instance.map { [("instance", $0)] } ?? []
        self.backplane =
            backplane
            ? BackplaneStatistics(registry: exposesMetrics ? registry : nil, labels: self.instanceLabels) : nil
        self.instruments = exposesMetrics ? JourneyInstruments(registry: registry, labels: self.instanceLabels) : nil
    }

    /// The labels every metric of this server carries: `instance`, when it has an id.
    package let instanceLabels: [(String, String)]
    /// This instance's id among several (`--instance-id`), which the dashboard shows.
    public let instance: String?
    /// What the pub/sub backplane did, when the hub has one.
    public let backplane: BackplaneStatistics?

    /// Collects every loop's counts; `closingSecond` rotates the window (the once-a-second tick does).
    ///
    /// Collections run one after another: a scrape that arrives while the tick has taken the loops' counts but
    /// not yet recorded them waits for it, so what a client saw answered is in the next scrape.
    package func collect(closingSecond: Bool) async {
        guard let loop = self.recorders.anyEventLoop else { return }
        let done = loop.makePromise(of: Void.self)
        let previous = self.lastCollection.withLockedValue { last in
            defer { last = done.futureResult }
            return last
        }
        defer { done.succeed() }
        try? await previous?.get()
        guard let future = self.recorders.takeIntervals(), let interval = try? await future.get() else { return }
        self.absorb(interval, closingSecond: closingSecond)
    }

    /// Adds a collected `interval` to the window, the totals and the Prometheus instruments.
    private func absorb(_ interval: JourneyInterval, closingSecond: Bool) {
        var counts = interval
        counts.recent = []  // kept once, below, not in every sum
        let openByProtocol = self.state.withLockedValue { state -> [String: Int] in
            state.window[state.current].merge(counts)
            state.window[state.current].phases = interval.phases
            state.totals.merge(counts)
            state.totals.phases = interval.phases
            let finished = interval.recent.sorted { $0.timeline.lastByteWritten < $1.timeline.lastByteWritten }
            state.recent = Array((state.recent + finished).suffix(JourneyRecorder.recentCapacity))
            let open = Dictionary(state.totals.protocols.map { ($0.name, $0.openConnections) }) { first, _ in first }
            guard closingSecond else { return open }
            let second = state.window[state.current]
            state.requestRates = Array((state.requestRates + [second.requests]).suffix(Self.historySeconds))
            state.byteRates = Array((state.byteRates + [second.bodyBytes]).suffix(Self.historySeconds))
            state.current = (state.current + 1) % Self.windowSeconds
            state.window[state.current] = JourneyInterval()
            return open
        }
        self.instruments?.record(interval, openByProtocol: openByProtocol)
    }

    /// Records the kernel's view of the Accept stage: each listener's queue and the host's drop counters.
    package func record(acceptQueues: [AcceptQueueSample], listenCounters: ListenQueueCounters?) {
        let rise: ListenQueueCounters? = self.state.withLockedValue { state in
            state.acceptQueues = acceptQueues
            guard let listenCounters else { return nil }
            let baseline = state.listenBaseline ?? listenCounters
            state.listenBaseline = baseline
            let previous = state.listenCounters
            state.listenCounters = listenCounters.since(baseline)
            return state.listenCounters.since(previous)
        }
        self.instruments?.record(acceptQueues: acceptQueues, rise: rise)
    }

    /// Records the kernel's queues of the server's connections and a sample of their round-trip times.
    package func record(sockets: SocketQueues?, roundTripMicroseconds: Int?) {
        self.state.withLockedValue { state in
            state.sockets = sockets
            state.roundTripMicroseconds = roundTripMicroseconds
        }
    }

    /// What the dashboard shows now.
    public func snapshot() -> JourneySnapshot {
        self.state.withLockedValue { state in
            var window = JourneyInterval()
            for second in state.window { window.merge(second) }
            return JourneySnapshot(
                totals: state.totals,
                window: window,
                requestRates: state.requestRates,
                byteRates: state.byteRates,
                recent: state.recent,
                acceptQueues: state.acceptQueues,
                listenCounters: state.listenCounters,
                sockets: state.sockets,
                roundTripMicroseconds: state.roundTripMicroseconds,
                instance: self.instance,
                backplane: self.backplane?.snapshot()
            )
        }
    }

    /// The Prometheus text exposition of the registry (collect first for the latest counts).
    public func exposition() -> [UInt8] {
        self.registry.emitToBuffer()
    }
}
