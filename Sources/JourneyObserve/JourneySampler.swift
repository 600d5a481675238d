import JourneyCore
import NIOCore
import NIOPosix

/// Gathers the journey once a second: every loop's counts, each listening socket's accept queue (TCP_INFO), the
/// kernel's listen-drop counters (/proc/net/netstat, read on the thread pool) and, while the dashboard shows them,
/// the connections' socket queues and round-trip times. The server owns one and runs it for as long as it serves.
package final class JourneySampler: Sendable {
    /// A listening socket to sample, by the name its protocol goes by.
    package struct ListeningSocket: Sendable {
        package var channel: any Channel
        package var protocolName: String

        package init(channel: any Channel, protocolName: String) {
            self.channel = channel
            self.protocolName = protocolName
        }
    }

    private let statistics: JourneyStatistics
    private let threadPool: NIOThreadPool
    /// Whether the connections' own queues are read (only the dashboard shows them).
    private let readsSockets: Bool
    private let listeningSockets: @Sendable () -> [ListeningSocket]
    private let someConnections: @Sendable (_ upTo: Int) -> [any Channel]

    /// A sampler feeding `statistics` from the sockets `listeningSockets` and `someConnections` name when asked.
    package init(
        statistics: JourneyStatistics,
        threadPool: NIOThreadPool,
        readsSockets: Bool,
        listeningSockets: @escaping @Sendable () -> [ListeningSocket],
        someConnections: @escaping @Sendable (_ upTo: Int) -> [any Channel]
    ) {
        self.statistics = statistics
        self.threadPool = threadPool
        self.readsSockets = readsSockets
        self.listeningSockets = listeningSockets
        self.someConnections = someConnections
    }

    /// Collects once a second, closing the statistics' second, until the task is cancelled.
    package func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard !Task.isCancelled else { return }
            await self.collect(closingSecond: true)
        }
    }

    /// Collects now: what `Server.collectStatistics` and a `/metrics` scrape ask for.
    package func collect(closingSecond: Bool) async {
        await self.statistics.collect(closingSecond: closingSecond)
        let sockets = self.listeningSockets()
        var queues: [AcceptQueueSample] = []
        for socket in sockets {
            let channel = socket.channel
            let name = channel.localAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
            let sample = try? await AcceptQueueSample.read(
                from: channel,
                listener: name,
                protocolName: socket.protocolName
            ).get()
            if let sample { queues.append(sample) }
        }
        // One trip to the thread pool for the /proc reads.
        let ports = Set(sockets.compactMap { $0.channel.localAddress?.port })
        let readsSockets = self.readsSockets
        let kernel = try? await self.threadPool.runIfActive {
            (ListenQueueCounters.read(), readsSockets ? SocketQueues.read(ports: ports) : nil)
        }
        self.statistics.record(acceptQueues: queues, listenCounters: kernel?.0)
        guard readsSockets else { return }
        var roundTrips: [Int] = []
        #if os(Linux)
        for channel in self.someConnections(16) {
            guard let provider = channel as? any SocketOptionProvider,
                let info = try? await provider.getTCPInfo().get()
            else { continue }
            roundTrips.append(Int(info.tcpi_rtt))
        }
        #endif
        self.statistics.record(sockets: kernel?.1, roundTripMicroseconds: roundTrips.sorted().middle)
    }
}

extension Array {
    /// The middle element (the median of a sorted array), nil when empty.
    fileprivate var middle: Element? { self.isEmpty ? nil : self[self.count / 2] }
}
