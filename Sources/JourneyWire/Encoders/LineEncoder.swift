import NIOCore

/// Writes each message as one line: the text, then the delimiter. The counterpart of NIOExtras'
/// `LineBasedFrameDecoder` (which accepts `\n` and `\r\n`).
public struct LineEncoder: MessageToByteEncoder, Sendable {
    /// A line's text, without its delimiter.
    public typealias OutboundIn = String

    /// What ends a line.
    public let delimiter: String

    /// An encoder ending lines with `delimiter` (`"\r\n"` as most text protocols, or `"\n"`).
    public init(delimiter: String = "\r\n") {
        self.delimiter = delimiter
    }

    /// Writes `data` and the delimiter.
    public func encode(data: String, out: inout ByteBuffer) throws {
        out.writeString(data)
        out.writeString(self.delimiter)
    }
}
