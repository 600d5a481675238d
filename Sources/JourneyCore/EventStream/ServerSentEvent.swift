import NIOCore

/// One event of a `text/event-stream` (HTML's Server-Sent Events, §9.2): what the browser's `EventSource` hands
/// to its listeners.
public struct ServerSentEvent: Sendable, Hashable {
    /// The event's type: the listener it goes to (`addEventListener(type)`); nil is `message`.
    public var event: String?
    /// The id a reconnecting client sends back in `Last-Event-ID`, to be given what it missed.
    public var id: String?
    /// The payload; several lines are sent as several `data:` lines and arrive joined by newlines.
    public var data: String
    /// How long a client waits before reconnecting after the stream breaks.
    public var retry: Duration?

    /// Creates an event.
    public init(event: String? = nil, id: String? = nil, data: String, retry: Duration? = nil) {
        self.event = event
        self.id = id
        self.data = data
        self.retry = retry
    }

    /// The event as it goes on the wire, ending with the blank line that dispatches it. A newline in `event` or
    /// `id` (which would end the field early and start another) is replaced by a space; so is a NUL in `id`, which
    /// the client would ignore the whole id for.
    public var encoded: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(self.data.utf8.count + 32)
        if let event { buffer.writeString("event: \(Self.oneLine(event))\n") }
        if let id { buffer.writeString("id: \(Self.oneLine(id).replacing("\0", with: " "))\n") }
        if let retry {
            let milliseconds = retry.components.seconds * 1000 + retry.components.attoseconds / 1_000_000_000_000_000
            buffer.writeString("retry: \(milliseconds)\n")
        }
        // Lines end at CRLF, LF or CR alike (§9.2.6).
        var line = Substring()
        var previousWasCarriageReturn = false
        func flush() {
            buffer.writeString("data: ")
            buffer.writeSubstring(line)
            buffer.writeString("\n")
            line = ""
        }
        for character in self.data.unicodeScalars {
            switch character {
            case "\r":
                flush()
                previousWasCarriageReturn = true
            case "\n":
                if !previousWasCarriageReturn { flush() }
                previousWasCarriageReturn = false
            default:
                line.unicodeScalars.append(character)
                previousWasCarriageReturn = false
            }
        }
        if !previousWasCarriageReturn || !line.isEmpty { flush() }
        buffer.writeString("\n")
        return buffer
    }

    private static func oneLine(_ text: String) -> String {
        guard text.contains(where: { $0.isNewline }) else { return text }
        return String(text.map { $0.isNewline ? " " : $0 })
    }
}
