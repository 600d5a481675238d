#if canImport(Glibc)
import Glibc
#endif

/// The kernel's receive and send queues of a server's established connections, from /proc/net/tcp and
/// /proc/net/tcp6: bytes received and not yet read by the server, bytes written and not yet acknowledged
/// by the client. Sampled on demand (for the dashboard), never per request.
public struct SocketQueues: Sendable, Equatable {
    /// Established connections on the ports asked about.
    public var connections = 0
    /// Bytes waiting in their receive queues (the Read stage's input).
    public var receiveQueueBytes = 0
    /// Bytes in their send queues (written by the server, not yet acknowledged).
    public var sendQueueBytes = 0
    /// The fullest send queue.
    public var largestSendQueueBytes = 0

    /// Nothing counted.
    package init() {}

    /// Adds the established sockets of `table` (the text of /proc/net/tcp or tcp6) whose local port is one
    /// of `ports`.
    package mutating func add(table: Substring, ports: Set<Int>) {
        for line in table.split(separator: "\n").dropFirst() {
            // sl local_address rem_address st tx_queue:rx_queue …
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count >= 5, fields[3] == "01",
                let colon = fields[1].lastIndex(of: ":"),
                let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16), ports.contains(port)
            else { continue }
            let queues = fields[4].split(separator: ":")
            guard queues.count == 2, let send = Int(queues[0], radix: 16), let receive = Int(queues[1], radix: 16)
            else { continue }
            self.connections += 1
            self.sendQueueBytes += send
            self.receiveQueueBytes += receive
            self.largestSendQueueBytes = max(self.largestSendQueueBytes, send)
        }
    }

    /// Reads both tables for `ports` (a blocking read: call it from a thread pool, never an event loop).
    package static func read(ports: Set<Int>) -> SocketQueues? {
        var queues = SocketQueues()
        var found = false
        for path in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = ProcFile.read(path) else { continue }
            found = true
            queues.add(table: Substring(text), ports: ports)
        }
        return found ? queues : nil
    }
}

/// Reads a whole /proc file (they report size 0, so it is read until the end).
enum ProcFile {
    static func read(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
