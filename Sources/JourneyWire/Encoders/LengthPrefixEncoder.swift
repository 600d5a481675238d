import NIOCore

/// Writes each message after its length, a big-endian unsigned integer of type `Length`. The counterpart of
/// NIOExtras' `LengthFieldBasedFrameDecoder` (`LengthPrefixEncoder<UInt32>` pairs with `.fourBytes`).
public struct LengthPrefixEncoder<Length: FixedWidthInteger & UnsignedInteger & Sendable>: MessageToByteEncoder,
    Sendable
{
    /// A frame's payload.
    public typealias OutboundIn = ByteBuffer

    /// A message longer than `Length` can count.
    public struct MessageTooLong: Error {}

    /// An encoder.
    public init() {}

    /// Writes the length of `data`, then `data`.
    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        guard let length = Length(exactly: data.readableBytes) else { throw MessageTooLong() }
        out.writeInteger(length, endianness: .big)
        out.writeImmutableBuffer(data)
    }
}
