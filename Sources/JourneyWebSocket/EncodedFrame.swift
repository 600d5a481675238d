import NIOCore

/// A whole server frame (header and payload) in one buffer, encoded once and written as it is to any number of
/// connections: a fan-out to 10,000 subscribers shares one buffer instead of copying the payload 10,000 times.
///
/// Server frames are never masked (RFC 6455 §5.1), so the bytes are the same for every peer; the frame goes
/// uncompressed, which permessage-deflate allows per message (RFC 7692 §6: RSV1 clear).
public struct EncodedFrame: Sendable {
    /// The frame's bytes, header first.
    public let bytes: ByteBuffer
    /// The payload's length.
    public let payloadLength: Int

    /// The payload alone, without the frame's header (what an event stream of a topic sends).
    package var payload: ByteBuffer {
        self.bytes.getSlice(at: self.bytes.writerIndex - self.payloadLength, length: self.payloadLength) ?? ByteBuffer()
    }

    /// A final text frame carrying `payload` (which must be UTF-8).
    public init(text payload: ByteBuffer) {
        self.init(opcode: 0x1, compressed: false, payload: payload)
    }

    /// A final binary frame carrying `payload`.
    public init(binary payload: ByteBuffer) {
        self.init(opcode: 0x2, compressed: false, payload: payload)
    }

    /// A final frame of `opcode` carrying `payload`; `compressed` sets RSV1 (a permessage-deflate message).
    init(opcode: UInt8, compressed: Bool, payload: ByteBuffer) {
        var bytes = Self.header(opcode: opcode, compressed: compressed, length: payload.readableBytes)
        bytes.writeImmutableBuffer(payload)
        self.bytes = bytes
        self.payloadLength = payload.readableBytes
    }

    /// A final text frame carrying `text`, written straight after the header: one buffer, one copy of the text.
    init(text: String) {
        let length = text.utf8.count
        var bytes = Self.header(opcode: 0x1, compressed: false, length: length)
        bytes.writeString(text)
        self.bytes = bytes
        self.payloadLength = length
    }

    /// A buffer holding a frame header for a payload of `length` bytes, with room for the payload after it.
    private static func header(opcode: UInt8, compressed: Bool, length: Int) -> ByteBuffer {
        // RFC 6455 §5.2: FIN, RSV1 and the opcode, then the length in 7 bits, or 126 and 16 bits, or 127 and 64 bits.
        var bytes = ByteBufferAllocator().buffer(capacity: length + 10)
        bytes.writeInteger(0x80 | (compressed ? 0x40 : 0) | opcode)
        switch length {
        case ..<126:
            bytes.writeInteger(UInt8(length))
        case ..<0x1_0000:
            bytes.writeInteger(UInt8(126))
            bytes.writeInteger(UInt16(length))
        default:
            bytes.writeInteger(UInt8(127))
            bytes.writeInteger(UInt64(length))
        }
        return bytes
    }
}
