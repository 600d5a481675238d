import NIOCore

/// A reply in RESP2: what a command answers. Two replies are equal when their bytes on the wire are.
public enum RESPReply: Sendable, Equatable {
    /// `+OK`: a short status.
    case simple(String)
    /// `-ERR …`: an error, its first word its kind (`ERR`, `WRONGTYPE`).
    case error(String)
    /// `:42`.
    case integer(Int64)
    /// `$5\r\nhello`: bytes.
    case bulk(ByteBuffer)
    /// `$5\r\nhello` from bytes of their own (a stored value, sent without copying it into a buffer first).
    case bytes([UInt8])
    /// `$-1`: no value (a missing key).
    case null
    /// `*2\r\n…`: replies in order.
    case array([RESPReply])

    /// `+OK`.
    public static let ok = RESPReply.simple("OK")

    /// The same bytes on the wire (`.bulk` and `.bytes` of equal bytes are the same reply).
    public static func == (left: RESPReply, right: RESPReply) -> Bool {
        var leftBytes = ByteBuffer()
        var rightBytes = ByteBuffer()
        left.write(to: &leftBytes)
        right.write(to: &rightBytes)
        return leftBytes == rightBytes
    }

    /// An `ERR` error: `-ERR message`.
    static func failure(_ message: String) -> RESPReply {
        .error("ERR " + message)
    }

    /// `$N\r\ntext`.
    static func bulk(_ text: String) -> RESPReply {
        .bulk(ByteBuffer(string: text))
    }

    /// Appends the reply's bytes to `buffer`.
    public func write(to buffer: inout ByteBuffer) {
        switch self {
        case .simple(let text):
            buffer.writeInteger(UInt8(ascii: "+"))
            buffer.writeString(text)
            buffer.writeStaticString("\r\n")
        case .error(let text):
            buffer.writeInteger(UInt8(ascii: "-"))
            // Redis turns line breaks in an error into spaces, so the reply stays one line.
            for byte in text.utf8 {
                buffer.writeInteger(byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") ? UInt8(ascii: " ") : byte)
            }
            buffer.writeStaticString("\r\n")
        case .integer(let value):
            buffer.writeInteger(UInt8(ascii: ":"))
            Self.writeDecimal(value, to: &buffer)
            buffer.writeStaticString("\r\n")
        case .bulk(let bytes):
            Self.writeBulk(of: bytes.readableBytes, to: &buffer) { $0.writeImmutableBuffer(bytes) }
        case .bytes(let bytes):
            Self.writeBulk(of: bytes.count, to: &buffer) { $0.writeBytes(bytes) }
        case .null:
            buffer.writeStaticString("$-1\r\n")
        case .array(let elements):
            buffer.writeInteger(UInt8(ascii: "*"))
            Self.writeDecimal(Int64(elements.count), to: &buffer)
            buffer.writeStaticString("\r\n")
            for element in elements { element.write(to: &buffer) }
        }
    }

    /// `$count\r\n`, the payload `writePayload` writes, `\r\n`.
    @inline(__always)
    private static func writeBulk(
        of count: Int,
        to buffer: inout ByteBuffer,
        _ writePayload: (inout ByteBuffer) -> Void
    ) {
        buffer.writeInteger(UInt8(ascii: "$"))
        Self.writeDecimal(Int64(count), to: &buffer)
        buffer.writeStaticString("\r\n")
        writePayload(&buffer)
        buffer.writeStaticString("\r\n")
    }

    /// Writes `value` in decimal without making a String.
    private static func writeDecimal(_ value: Int64, to buffer: inout ByteBuffer) {
        if value < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            buffer.writeInteger(UInt8(ascii: "0") + UInt8(magnitude))
            return
        }
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes, enough for 20 digits
        let count = withUnsafeMutableBytes(of: &digits) { raw -> Int in
            var end = raw.count
            while magnitude > 0 {
                end -= 1
                raw[end] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            return raw.count - end
        }
        withUnsafeBytes(of: &digits) { raw in
            _ = buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[(raw.count - count)...]))
        }
    }
}
