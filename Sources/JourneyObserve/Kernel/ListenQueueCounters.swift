/// The kernel's host-wide counters of connections lost before `accept(2)`, from /proc/net/netstat
/// (`TcpExt`): what `nstat` and `netstat -s` call "times the listen queue of a socket overflowed".
public struct ListenQueueCounters: Sendable, Equatable {
    /// A completed handshake found the accept queue full (`ListenOverflows`).
    public var listenOverflows: UInt64 = 0
    /// SYNs and handshakes dropped at a listener, overflows included (`ListenDrops`).
    public var listenDrops: UInt64 = 0
    /// SYNs dropped because the SYN queue was full and SYN cookies were off (`TCPReqQFullDrop`).
    public var synQueueFullDrops: UInt64 = 0
    /// SYN cookies sent because the SYN queue was full (`SyncookiesSent`).
    public var synCookiesSent: UInt64 = 0

    /// All zero.
    package init() {}

    /// The counters in the text of /proc/net/netstat: a `TcpExt:` line of names followed by one of values.
    /// Nil when the text has no such pair.
    package init?(netstat text: Substring) {
        let lines = text.split(separator: "\n")
        guard
            let namesIndex = lines.firstIndex(where: {
                $0.hasPrefix("TcpExt:") && $0.dropFirst(7).contains(where: \.isLetter)
            }),
            namesIndex + 1 < lines.count, lines[namesIndex + 1].hasPrefix("TcpExt:")
        else { return nil }
        let names = lines[namesIndex].split(separator: " ").dropFirst()
        let values = lines[namesIndex + 1].split(separator: " ").dropFirst()
        var table: [Substring: UInt64] = [:]
        for (name, value) in zip(names, values) { table[name] = UInt64(value) }
        self.listenOverflows = table["ListenOverflows"] ?? 0
        self.listenDrops = table["ListenDrops"] ?? 0
        self.synQueueFullDrops = table["TCPReqQFullDrop"] ?? 0
        self.synCookiesSent = table["SyncookiesSent"] ?? 0
    }

    /// How much each counter rose since `earlier` (0 where it did not, or where the kernel reset it).
    package func since(_ earlier: ListenQueueCounters) -> ListenQueueCounters {
        var delta = ListenQueueCounters()
        delta.listenOverflows = self.listenOverflows &- min(earlier.listenOverflows, self.listenOverflows)
        delta.listenDrops = self.listenDrops &- min(earlier.listenDrops, self.listenDrops)
        delta.synQueueFullDrops = self.synQueueFullDrops &- min(earlier.synQueueFullDrops, self.synQueueFullDrops)
        delta.synCookiesSent = self.synCookiesSent &- min(earlier.synCookiesSent, self.synCookiesSent)
        return delta
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension ListenQueueCounters {
    /// Reads /proc/net/netstat (a blocking read: call it from a thread pool, never an event loop).
    /// Nil where the file does not exist (not Linux).
    package static func read() -> ListenQueueCounters? {
        ProcFile.read("/proc/net/netstat").flatMap { ListenQueueCounters(netstat: Substring($0)) }
    }
}
