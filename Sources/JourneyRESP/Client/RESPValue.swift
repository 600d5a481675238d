import NIOCore

/// A value a Redis server sends a client: a reply to a command, or (RESP3) a push. RESP3's richer kinds are read
/// into the RESP2 ones a client of this size needs: a map or set is an array, a boolean an integer, a double or a
/// big number its text.
public enum RESPValue: Sendable, Equatable {
    /// `+OK`.
    case simple(String)
    /// `-ERR …`: the command failed; the server carries on.
    case error(String)
    /// `:42`.
    case integer(Int64)
    /// `$5\r\nhello`.
    case bulk(ByteBuffer)
    /// `$-1`, `*-1` or RESP3's `_`.
    case null
    /// `*N`, or RESP3's `%` (keys and values in turn) and `~`.
    case array([RESPValue])
    /// RESP3's `>`: what the server sends unasked (a subscribed channel's message).
    case push([RESPValue])

    /// The value as text (a bulk's or a simple string's), or nil for any other kind.
    public var text: String? {
        switch self {
        case .simple(let text): text
        case .bulk(let bytes): String(buffer: bytes)
        default: nil
        }
    }

    /// The elements of an array or a push, or nil for any other kind.
    public var elements: [RESPValue]? {
        switch self {
        case .array(let elements), .push(let elements): elements
        default: nil
        }
    }
}

/// A command's error reply, thrown to whoever sent the command.
public struct RESPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error's text, its first word its kind (`ERR`, `NOSCRIPT`, `WRONGPASS`).
    public let message: String

    /// An error of `message`.
    public init(message: String) {
        self.message = message
    }

    /// The error's kind: its first word.
    public var kind: Substring { self.message.prefix { $0 != " " } }

    /// The error's text.
    public var description: String { self.message }
}
