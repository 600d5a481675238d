/// Bytes that are not RESP, in Redis's words: the client gets `-ERR Protocol error: …` and is disconnected.
public struct RESPProtocolError: Error, Equatable, CustomStringConvertible {
    /// What Redis says after "Protocol error: "; nil for a request over the size limit, which Redis closes
    /// without a word (its client query buffer limit).
    public let reason: String?

    /// `*` followed by something other than a count Redis accepts.
    static let invalidMultibulkLength = RESPProtocolError(reason: "invalid multibulk length")
    /// `$` followed by something other than a length Redis accepts.
    static let invalidBulkLength = RESPProtocolError(reason: "invalid bulk length")
    /// An inline command line of more than 64 KiB.
    static let tooBigInlineRequest = RESPProtocolError(reason: "too big inline request")
    /// A `*` line of more than 64 KiB.
    static let tooBigMultibulkCount = RESPProtocolError(reason: "too big mbulk count string")
    /// A `$` line of more than 64 KiB.
    static let tooBigBulkCount = RESPProtocolError(reason: "too big bulk count string")
    /// An inline command with an open quote.
    static let unbalancedQuotes = RESPProtocolError(reason: "unbalanced quotes in request")
    /// A request bigger than the server takes.
    static let requestTooLarge = RESPProtocolError(reason: nil)

    /// An argument that does not start with `$`.
    static func expectedBulk(got byte: UInt8) -> RESPProtocolError {
        RESPProtocolError(reason: "expected '$', got '\(Character(Unicode.Scalar(byte)))'")
    }

    /// The error reply, as Redis words it.
    public var description: String {
        self.reason.map { "ERR Protocol error: \($0)" } ?? "request larger than the server's limit"
    }
}
