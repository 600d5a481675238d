/// One request's journey as monotonic instants (nanoseconds, `JourneyClock`), stamped by each stage.
///
/// Inline values, no references: it is filled by the taps on the connection and handed to the recorder
/// once, when the last byte has been written. An instant a stage did not reach (or a stopped clock) is 0.
public struct RequestTimeline: Sendable, Equatable {
    /// The connection was accepted.
    public var accepted: UInt64 = 0
    /// The TLS handshake finished (first request of a TLS connection only).
    public var tlsDone: UInt64 = 0
    /// The first byte of this request was read.
    public var firstByte: UInt64 = 0
    /// The read that completed the head began (the parser then worked on it).
    public var headArrived: UInt64 = 0
    /// The parser delivered the head.
    public var headParsed: UInt64 = 0
    /// The whole request, body included, was received and decoded.
    public var bodyDecoded: UInt64 = 0
    /// The handler returned its response.
    public var processed: UInt64 = 0
    /// The response's last byte was handed to the kernel.
    public var lastByteWritten: UInt64 = 0

    /// Creates an empty timeline.
    public init() {}

    /// The nanoseconds `stage` took, or nil when its ends were not both stamped.
    public func duration(of stage: Stage) -> UInt64? {
        switch stage {
        case .decrypt: Self.span(self.accepted, self.tlsDone)
        case .read: Self.span(self.firstByte, self.headArrived)
        case .parse: Self.span(self.headArrived, self.headParsed)
        case .decode: Self.span(self.headParsed, self.bodyDecoded)
        case .process: Self.span(self.bodyDecoded, self.processed)
        case .write: Self.span(self.processed, self.lastByteWritten)
        case .total: Self.span(self.firstByte, self.lastByteWritten)
        }
    }

    private static func span(_ start: UInt64, _ end: UInt64) -> UInt64? {
        guard start != 0, end >= start else { return nil }
        return end - start
    }

    /// The `Server-Timing` field value (W3C Server Timing) for the stages known when the head is written:
    /// `tls` (when stamped), `read`, `parse`, `decode` and `process`, in milliseconds.
    public var serverTiming: String {
        var value = ""
        for stage in [Stage.decrypt, .read, .parse, .decode, .process] {
            guard let nanoseconds = self.duration(of: stage) else { continue }
            if !value.isEmpty { value += ", " }
            value += stage.name
            value += ";dur="
            value += Self.milliseconds(nanoseconds)
        }
        return value
    }

    /// `nanoseconds` as milliseconds with three decimals (microsecond resolution), without Foundation.
    static func milliseconds(_ nanoseconds: UInt64) -> String {
        let microseconds = (nanoseconds + 500) / 1000
        let fraction = String(microseconds % 1000)
        return "\(microseconds / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
