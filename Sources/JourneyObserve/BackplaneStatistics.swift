import JourneyCore
import NIOConcurrencyHelpers
import Prometheus

/// What a backplane did: whether it is connected, its reconnections, the messages each way and their
/// publish→Redis→deliver latency, and the recoveries from a topic's history. The dashboard reads a snapshot;
/// `/metrics` exposes the same as `journey_pubsub_backplane_*`.
public final class BackplaneStatistics: Sendable {
    /// The counts at one instant.
    public struct Snapshot: Sendable, Equatable {
        /// Whether both connections to Redis are up.
        public var connected = false
        /// Connections made (the first one included).
        public var connections = 0
        /// Connections made again after one was lost.
        public var reconnects = 0
        /// Publishes Redis took.
        public var published = 0
        /// Publishes refused because Redis was away (answered 503).
        public var refusedPublishes = 0
        /// Messages Redis delivered to this instance.
        public var received = 0
        /// Histories read, for a returning subscriber or after a reconnection, that held what was missed.
        public var recoveries = 0
        /// Histories read that no longer held what was missed (older than they keep, or lost with Redis).
        public var unrecoverable = 0
        /// Times Redis cut the subscriber connection alone (its output buffer limit).
        public var subscriberCuts = 0
        /// Publish→deliver latency of the received messages, nanoseconds.
        public var latency = LatencyHistogram()

        /// The snapshot as the dashboard's `backplane` object; latencies in microseconds.
        public var json: String {
            let percentiles = [0.5, 0.99].map { self.latency.value(atFraction: $0).map { String($0 / 1000) } ?? "null" }
            return "{\"connected\":\(self.connected),\"reconnects\":\(self.reconnects),\"published\":\(self.published)"
                + ",\"refused\":\(self.refusedPublishes),\"received\":\(self.received),\"recoveries\":\(self.recoveries)"
                + ",\"unrecoverable\":\(self.unrecoverable),\"subscriberCuts\":\(self.subscriberCuts)"
                + ",\"latencyMicroseconds\":{\"p50\":\(percentiles[0]),\"p99\":\(percentiles[1])}}"
        }
    }

    private let counts = NIOLockedValueBox(Snapshot())
    private let instruments: Instruments?

    private struct Instruments: Sendable {
        let connected: Gauge
        let counters: [Event: Counter]
        let latency: DurationHistogram
    }

    /// Latency buckets, from 100 µs (a loopback round trip) to 5 s.
    static let buckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .seconds(1), .seconds(5),
    ]

    /// Statistics fed to `registry` (nil: to the dashboard alone), every metric carrying `labels`.
    public init(registry: PrometheusCollectorRegistry? = nil, labels: [(String, String)] = []) {
        guard let registry else {
            self.instruments = nil
            return
        }
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    metricName: "journey_pubsub_backplane_" + name,
                    unitName: "",
                    helpText: help
                ),
                labels: labels
            )
        }
        self.instruments = Instruments(
            connected: registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    metricName: "journey_pubsub_backplane_connected",
                    unitName: "",
                    helpText: "Whether the backplane's connections to Redis are up (1) or not (0)."
                ),
                labels: labels
            ),
            counters: [
                .reconnects: counter("reconnects_total", "Connections to Redis made again after one was lost."),
                .published: counter("published_total", "Publishes sent to Redis."),
                .refusedPublishes: counter("refused_publishes_total", "Publishes refused while Redis was away."),
                .received: counter("received_total", "Messages Redis delivered to this instance."),
                .recoveries: counter("recoveries_total", "Topic histories read to fill a gap."),
                .unrecoverable: counter(
                    "unrecoverable_total",
                    "Gaps the history no longer held (older than it keeps, or the history was lost)."
                ),
                .subscriberCuts: counter(
                    "subscriber_cuts_total",
                    "Times Redis closed the subscriber connection alone (client-output-buffer-limit pubsub)."
                ),
            ],
            latency: registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(
                    metricName: "journey_pubsub_backplane_delivery_seconds",
                    unitName: "",
                    helpText: "Time from a publish on any instance to its delivery here, through Redis."
                ),
                labels: labels,
                buckets: Self.buckets
            )
        )
    }

    /// The counts now.
    public func snapshot() -> Snapshot {
        self.counts.withLockedValue { $0 }
    }

    /// What is counted.
    package enum Event: Hashable, Sendable {
        case connections, reconnects, published, refusedPublishes, received, recoveries, unrecoverable, subscriberCuts

        package var count: WritableKeyPath<Snapshot, Int> {
            switch self {
            case .connections: \.connections
            case .reconnects: \.reconnects
            case .published: \.published
            case .refusedPublishes: \.refusedPublishes
            case .received: \.received
            case .recoveries: \.recoveries
            case .unrecoverable: \.unrecoverable
            case .subscriberCuts: \.subscriberCuts
            }
        }
    }

    package func count(_ event: Event) {
        self.counts.withLockedValue { $0[keyPath: event.count] += 1 }
        self.instruments?.counters[event]?.increment()
    }

    package func setConnected(_ connected: Bool) {
        self.counts.withLockedValue { $0.connected = connected }
        self.instruments?.connected.set(Int64(connected ? 1 : 0))
    }

    /// Counts a message Redis delivered, published at `publishedAt` and delivered at `now` (nanoseconds since 1970).
    package func received(publishedAt: UInt64, now: UInt64) {
        let latency = now > publishedAt ? now - publishedAt : 0
        self.counts.withLockedValue { counts in
            counts.received += 1
            counts.latency.record(latency)
        }
        self.instruments?.counters[.received]?.increment()
        self.instruments?.latency.record(.nanoseconds(Int64(latency)))
    }
}
