import CoreMetrics
import JourneyCore
import NIOConcurrencyHelpers
import Prometheus

/// The swift-metrics instruments of the journey, backed by one Prometheus registry.
///
/// Names follow Prometheus conventions (`_total` counters, `_seconds` histograms, base units).
struct JourneyInstruments: Sendable {
    private let registry: LabelledRegistry
    private let requests: [CoreMetrics.Counter]
    private let bodyBytes: CoreMetrics.Counter
    private let accepted: CoreMetrics.Counter
    private let phases: [CoreMetrics.Meter]
    private let stages: [CoreMetrics.Timer]
    private let listenOverflows: CoreMetrics.Counter
    private let listenDrops: CoreMetrics.Counter
    private let synQueueFullDrops: CoreMetrics.Counter
    private let synCookiesSent: CoreMetrics.Counter
    /// WebSocket messages and payload bytes, received (`in`) and sent (`out`).
    private let webSocketMessages: (received: CoreMetrics.Counter, sent: CoreMetrics.Counter)
    private let webSocketBytes: (received: CoreMetrics.Counter, sent: CoreMetrics.Counter)
    private let webSocketDropped: CoreMetrics.Counter
    private let webSocketSlowConsumers: CoreMetrics.Counter
    private let slowBodies: (belowRate: CoreMetrics.Counter, paused: CoreMetrics.Counter)
    private let lingeringCloses: CoreMetrics.Counter
    private let lingeringBytes: CoreMetrics.Counter

    /// Instruments made per wire protocol, as each protocol's name is first seen.
    private let protocols = NIOLockedValueBox([String: ProtocolInstruments]())

    /// One wire protocol's instruments, labelled with its name.
    private struct ProtocolInstruments {
        let messages: CoreMetrics.Counter
        let connections: CoreMetrics.Counter
        let open: CoreMetrics.Meter
        let malformedFrames: CoreMetrics.Counter
        let idleTimeouts: CoreMetrics.Counter
        let stages: [CoreMetrics.Timer]
    }

    /// Stage latency buckets, from 10 µs (a parse) to 30 s (a large download).
    static let buckets: [Duration] = [
        .microseconds(10), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
        .milliseconds(500), .seconds(1), .seconds(5), .seconds(30),
    ]

    /// swift-metrics instruments whose handlers are the registry's metrics, made with help texts (which
    /// swift-prometheus' `MetricsFactory` path cannot give, and `promtool check metrics` asks for).
    init(registry prometheus: PrometheusCollectorRegistry, labels: [(String, String)]) {
        let registry = LabelledRegistry(registry: prometheus, labels: labels)
        self.registry = registry
        func counter(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> CoreMetrics.Counter {
            let descriptor = Self.descriptor(name, help)
            return CoreMetrics.Counter(
                label: descriptor.name,
                dimensions: labels,
                handler: registry.makeCounter(descriptor: descriptor, labels: labels)
            )
        }
        self.requests = ["other", "1xx", "2xx", "3xx", "4xx", "5xx"].map {
            counter("journey_requests_total", "Requests answered, by status class.", [("status_class", $0)])
        }
        self.bodyBytes = counter("journey_response_body_bytes_total", "Response body bytes written.")
        self.accepted = counter("journey_connections_accepted_total", "Connections accepted.")
        self.phases = ConnectionPhase.allCases.map { phase in
            let labels = [("phase", phase.name)]
            let help = "Open connections by phase: idle (keep-alive), reading, processing, writing."
            return CoreMetrics.Meter(
                label: "journey_connections",
                dimensions: labels,
                handler: registry.makeGauge(descriptor: Self.descriptor("journey_connections", help), labels: labels)
            )
        }
        self.stages = Stage.allCases.map { stage in
            let labels = [("stage", stage.name)]
            let histogram = registry.makeDurationHistogram(
                descriptor: Self.descriptor(
                    "journey_stage_duration_seconds",
                    "Time requests spent in each stage of the journey."
                ),
                labels: labels,
                buckets: Self.buckets
            )
            return CoreMetrics.Timer(label: "journey_stage_duration_seconds", dimensions: labels, handler: histogram)
        }
        self.listenOverflows = counter(
            "journey_kernel_listen_overflows_total",
            "Handshakes that found an accept queue full, host-wide, since the server started (ListenOverflows)."
        )
        self.listenDrops = counter(
            "journey_kernel_listen_drops_total",
            "Connections dropped at a listener, host-wide, since the server started (ListenDrops)."
        )
        self.synQueueFullDrops = counter(
            "journey_kernel_syn_queue_full_drops_total",
            "SYNs dropped on a full SYN queue, host-wide, since the server started (TCPReqQFullDrop)."
        )
        self.synCookiesSent = counter(
            "journey_kernel_syn_cookies_sent_total",
            "SYN cookies sent on a full SYN queue, host-wide, since the server started (SyncookiesSent)."
        )
        let messages = "WebSocket messages, received (in) and sent (out)."
        self.webSocketMessages = (
            counter("journey_websocket_messages_total", messages, [("direction", "in")]),
            counter("journey_websocket_messages_total", messages, [("direction", "out")])
        )
        let bytes = "WebSocket payload bytes, received (in) and sent (out)."
        self.webSocketBytes = (
            counter("journey_websocket_payload_bytes_total", bytes, [("direction", "in")]),
            counter("journey_websocket_payload_bytes_total", bytes, [("direction", "out")])
        )
        self.webSocketDropped = counter(
            "journey_websocket_dropped_messages_total",
            "WebSocket messages dropped for peers whose outbound queue was full (slow-consumer policy drop)."
        )
        self.webSocketSlowConsumers = counter(
            "journey_websocket_slow_consumer_disconnects_total",
            "WebSocket peers disconnected because their outbound queue was full (slow-consumer policy disconnect)."
        )
        let slowBodies = "Connections answered 408 and closed for a slow request body, by the limit it crossed."
        self.slowBodies = (
            counter("journey_slow_body_closes_total", slowBodies, [("reason", "min_rate")]),
            counter("journey_slow_body_closes_total", slowBodies, [("reason", "body_timeout")])
        )
        self.lingeringCloses = counter(
            "journey_lingering_closes_total",
            "Connections answered before their request was read, drained before they closed (lingering close)."
        )
        self.lingeringBytes = counter(
            "journey_lingering_discarded_bytes_total",
            "Bytes read and discarded from connections being drained before their close."
        )
    }

    private func instruments(forProtocol name: String) -> ProtocolInstruments {
        self.protocols.withLockedValue { made in
            if let instruments = made[name] { return instruments }
            let registry = self.registry
            let labels = [("protocol", name)]
            func counter(_ metric: String, _ help: String) -> CoreMetrics.Counter {
                let descriptor = Self.descriptor(metric, help)
                return CoreMetrics.Counter(
                    label: metric,
                    dimensions: labels,
                    handler: registry.makeCounter(descriptor: descriptor, labels: labels)
                )
            }
            let openHelp = "Open connections of a wire protocol."
            let instruments = ProtocolInstruments(
                messages: counter("journey_protocol_messages_total", "Messages a wire protocol's handlers finished."),
                connections: counter("journey_protocol_connections_total", "Connections accepted, by wire protocol."),
                open: CoreMetrics.Meter(
                    label: "journey_protocol_connections",
                    dimensions: labels,
                    handler: registry.makeGauge(
                        descriptor: Self.descriptor("journey_protocol_connections", openHelp),
                        labels: labels
                    )
                ),
                malformedFrames: counter(
                    "journey_protocol_malformed_frames_total",
                    "Connections closed for a malformed or oversized frame, by wire protocol."
                ),
                idleTimeouts: counter(
                    "journey_protocol_idle_timeouts_total",
                    "Connections closed for idling past the idle timeout, by wire protocol."
                ),
                stages: Stage.allCases.filter { $0 != .decrypt && $0 != .decode }.map { stage in
                    let stageLabels = labels + [("stage", stage.name)]
                    let histogram = registry.makeDurationHistogram(
                        descriptor: Self.descriptor(
                            "journey_protocol_stage_duration_seconds",
                            "Time a wire protocol's messages spent in each stage of the journey."
                        ),
                        labels: stageLabels,
                        buckets: Self.buckets
                    )
                    return CoreMetrics.Timer(
                        label: "journey_protocol_stage_duration_seconds",
                        dimensions: stageLabels,
                        handler: histogram
                    )
                }
            )
            made[name] = instruments
            return instruments
        }
    }

    /// The stages a wire protocol's messages cross, in the order of `ProtocolInstruments.stages`.
    private static let protocolStages = Stage.allCases.filter { $0 != .decrypt && $0 != .decode }

    /// Adds the protocols' counts of an interval; `open` is each protocol's open connections now.
    private func record(protocols: [ProtocolTally], open: [String: Int]) {
        for tally in protocols {
            let instruments = self.instruments(forProtocol: tally.name)
            for (counter, count) in [
                (instruments.messages, tally.messages), (instruments.connections, tally.connectionsOpened),
                (instruments.malformedFrames, tally.malformedFrames), (instruments.idleTimeouts, tally.idleTimeouts),
            ] where count > 0 {
                counter.increment(by: Int64(clamping: count))
            }
            instruments.open.set(open[tally.name] ?? 0)
            for (index, stage) in Self.protocolStages.enumerated() {
                Self.replay(tally.stages[stage.rawValue], into: instruments.stages[index])
            }
        }
    }

    /// Replays a recorder histogram into a Prometheus one: each bucket's midpoint, as often as it was hit
    /// (values land within 1/16 of their true size).
    private static func replay(_ histogram: LatencyHistogram, into timer: CoreMetrics.Timer) {
        guard histogram.count > 0 else { return }
        for (bucket, hits) in histogram.counts.enumerated() where hits > 0 {
            let lower = LatencyHistogram.lowerBound(of: bucket)
            let middle = lower + (LatencyHistogram.upperBound(of: bucket) - lower) / 2
            for _ in 0..<hits { timer.recordNanoseconds(Int64(clamping: middle)) }
        }
    }

    /// A descriptor for the full metric `name` (its unit part included) with `help`.
    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// Adds each site's requests of an interval: by site and status class, and the body bytes.
    private func record(sites: [String: SiteTally]) {
        for (site, tally) in sites {
            for (index, count) in tally.statusClasses.enumerated() where count > 0 {
                self.registry.makeCounter(
                    descriptor: Self.descriptor(
                        "journey_site_requests_total",
                        "Requests answered, by site and status class."
                    ),
                    labels: [("site", site), ("status_class", index == 0 ? "other" : "\(index)xx")]
                ).increment(by: Int64(clamping: count))
            }
            if tally.bodyBytes > 0 {
                self.registry.makeCounter(
                    descriptor: Self.descriptor(
                        "journey_site_response_body_bytes_total",
                        "Response body bytes, by site."
                    ),
                    labels: [("site", site)]
                ).increment(by: Int64(clamping: tally.bodyBytes))
            }
        }
    }

    /// Adds the TLS listeners' handshakes of an interval: counts by result, version and ALPN, and durations.
    private func record(handshakes: [HandshakeTally]) {
        for tally in handshakes {
            let listener = ("listener", tally.listener)
            func add(_ name: String, _ help: String, _ labels: [(String, String)], _ count: UInt64) {
                guard count > 0 else { return }
                self.registry.makeCounter(descriptor: Self.descriptor(name, help), labels: [listener] + labels)
                    .increment(by: Int64(clamping: count))
            }
            let results = "TLS handshakes, by listener and result."
            add("journey_tls_handshakes_total", results, [("result", "completed")], tally.completed)
            add("journey_tls_handshakes_total", results, [("result", "failed")], tally.failed)
            for (version, count) in tally.versions {
                add(
                    "journey_tls_versions_total",
                    "Completed TLS handshakes, by protocol version.",
                    [("version", version)],
                    count
                )
            }
            for (name, count) in tally.applicationProtocols {
                add(
                    "journey_tls_alpn_total",
                    "Completed TLS handshakes, by the protocol ALPN chose.",
                    [("protocol", name)],
                    count
                )
            }
            guard tally.durations.count > 0 else { continue }
            let histogram = self.registry.makeDurationHistogram(
                descriptor: Self.descriptor(
                    "journey_tls_handshake_duration_seconds",
                    "From the accept to the finished TLS handshake: the Decrypt stage, by listener."
                ),
                labels: [listener],
                buckets: Self.buckets
            )
            Self.replay(
                tally.durations,
                into: CoreMetrics.Timer(
                    label: "journey_tls_handshake_duration_seconds",
                    dimensions: [listener],
                    handler: histogram
                )
            )
        }
    }

    /// Adds an interval's counts. The stage histograms are replayed from the recorders' fine buckets (each
    /// bucket's midpoint, as often as it was hit): values are placed within 1/16 of their true size.
    func record(_ interval: JourneyInterval, openByProtocol: [String: Int] = [:]) {
        self.record(protocols: interval.protocols, open: openByProtocol)
        self.record(handshakes: interval.handshakes)
        self.record(sites: interval.sites)
        for (index, count) in interval.statusClasses.enumerated() where count > 0 {
            self.requests[index].increment(by: Int64(count))
        }
        if interval.bodyBytes > 0 { self.bodyBytes.increment(by: Int64(interval.bodyBytes)) }
        if interval.accepted > 0 { self.accepted.increment(by: Int64(interval.accepted)) }
        for (index, count) in interval.phases.enumerated() { self.phases[index].set(count) }
        let webSockets = interval.webSockets
        for (counter, count) in [
            (self.webSocketMessages.received, webSockets.messagesReceived),
            (self.webSocketMessages.sent, webSockets.messagesSent),
            (self.webSocketBytes.received, webSockets.bytesReceived),
            (self.webSocketBytes.sent, webSockets.bytesSent),
            (self.webSocketDropped, webSockets.messagesDropped),
            (self.webSocketSlowConsumers, webSockets.slowConsumersDisconnected),
            (self.slowBodies.belowRate, interval.slowClients.bodiesBelowMinimumRate),
            (self.slowBodies.paused, interval.slowClients.bodiesPaused),
            (self.lingeringCloses, interval.slowClients.lingeringCloses),
            (self.lingeringBytes, interval.slowClients.lingeringBytesDiscarded),
        ] where count > 0 {
            counter.increment(by: Int64(clamping: count))
        }
        for (index, histogram) in interval.stages.enumerated() {
            Self.replay(histogram, into: self.stages[index])
        }
    }

    /// Sets the accept-queue gauges and adds the rise of the kernel's drop counters.
    func record(acceptQueues: [AcceptQueueSample], rise: ListenQueueCounters?) {
        for queue in acceptQueues {
            let labels = [("listener", queue.listener)]
            self.registry.makeGauge(
                descriptor: Self.descriptor(
                    "journey_listener_accept_queue",
                    "Connections waiting in the listener's accept queue (TCP_INFO)."
                ),
                labels: labels
            ).set(Double(queue.depth))
            self.registry.makeGauge(
                descriptor: Self.descriptor(
                    "journey_listener_accept_queue_limit",
                    "The listener's accept queue limit, the effective backlog (TCP_INFO)."
                ),
                labels: labels
            ).set(Double(queue.limit))
        }
        guard let rise else { return }
        self.listenOverflows.increment(by: Int64(clamping: rise.listenOverflows))
        self.listenDrops.increment(by: Int64(clamping: rise.listenDrops))
        self.synQueueFullDrops.increment(by: Int64(clamping: rise.synQueueFullDrops))
        self.synCookiesSent.increment(by: Int64(clamping: rise.synCookiesSent))
    }
}
