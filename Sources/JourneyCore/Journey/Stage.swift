/// The spans of a request's journey that are timed, in the order the request crosses them.
public enum Stage: Int, CaseIterable, Sendable {
    /// ③ Decrypt: the TLS handshake (the first request of a TLS connection only). Named `tls` in Server-Timing, the
    /// metrics and the dashboard, as operators know it.
    case decrypt
    /// From the request's first byte to the read that completed its head: the head on the wire.
    case read
    /// The parser's work on the read that completed the head.
    case parse
    /// Receiving and decoding the body, from the parsed head to the end of the request.
    case decode
    /// From the complete request to the handler's response (waiting behind a pipelined response included).
    case process
    /// From the response to its last byte handed to the kernel.
    case write
    /// From the first byte read to the last byte written.
    case total

    /// The name used in Server-Timing, metrics labels and the dashboard.
    public var name: String {
        switch self {
        case .decrypt: "tls"
        case .read: "read"
        case .parse: "parse"
        case .decode: "decode"
        case .process: "process"
        case .write: "write"
        case .total: "total"
        }
    }
}
