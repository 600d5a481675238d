import NIOCore

/// The Write stage's encoder of RESP: replies to bytes.
public struct RESPReplyEncoder: MessageToByteEncoder, Sendable {
    /// A reply.
    public typealias OutboundIn = RESPReply

    /// An encoder.
    public init() {}

    /// Appends `data`'s bytes to `out`.
    public func encode(data: RESPReply, out: inout ByteBuffer) {
        data.write(to: &out)
    }
}
