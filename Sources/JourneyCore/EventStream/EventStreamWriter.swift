import NIOCore

/// Where a Server-Sent Events handler sends its events; each send is flushed at once and returns once the
/// connection has taken it.
public struct EventStreamWriter: Sendable {
    private let writer: ResponseBodyWriter

    init(_ writer: ResponseBodyWriter) {
        self.writer = writer
    }

    /// Sends `event`; throws when the client has gone.
    public func send(_ event: ServerSentEvent) async throws {
        try await self.writer.write(event.encoded)
    }

    /// Sends a comment, which clients ignore: it keeps proxies and load balancers from closing an idle stream.
    public func comment(_ text: String = "") async throws {
        let line = text.contains(where: { $0.isNewline }) ? String(text.map { $0.isNewline ? " " : $0 }) : text
        try await self.writer.write(ByteBuffer(string: ":\(line.isEmpty ? "" : " " + line)\n\n"))
    }
}
