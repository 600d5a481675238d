import Prometheus

/// The registry as the journey's instruments make their metrics in it: every metric also carries the labels every
/// metric of this server carries (`instance`, so the series of several instances behind one balancer stay apart).
struct LabelledRegistry: Sendable {
    let registry: PrometheusCollectorRegistry
    /// The labels every metric carries.
    let labels: [(String, String)]

    func makeCounter(descriptor: MetricNameDescriptor, labels: [(String, String)]) -> Counter {
        self.registry.makeCounter(descriptor: descriptor, labels: labels + self.labels)
    }

    func makeGauge(descriptor: MetricNameDescriptor, labels: [(String, String)]) -> Gauge {
        self.registry.makeGauge(descriptor: descriptor, labels: labels + self.labels)
    }

    func makeDurationHistogram(
        descriptor: MetricNameDescriptor,
        labels: [(String, String)],
        buckets: [Duration]
    ) -> DurationHistogram {
        self.registry.makeDurationHistogram(descriptor: descriptor, labels: labels + self.labels, buckets: buckets)
    }
}
