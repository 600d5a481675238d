import NIOCore

/// Writes each message's bytes as they are: for fixed-length frames (NIOExtras' `FixedLengthFrameDecoder`)
/// and protocols whose messages carry their own delimiters.
public struct RawBytesEncoder: MessageToByteEncoder, Sendable {
    /// The bytes to send.
    public typealias OutboundIn = ByteBuffer

    /// An encoder.
    public init() {}

    /// Writes `data`.
    public func encode(data: ByteBuffer, out: inout ByteBuffer) {
        out.writeImmutableBuffer(data)
    }
}
