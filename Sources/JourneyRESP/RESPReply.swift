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

    /// Appends the reply's bytes to `buffer`. A reply's line (or a bulk's header, payload and line break) is
    /// written in one go: one capacity check, not one per piece.
    public func write(to buffer: inout ByteBuffer) {
        switch self {
        case .simple(let text):
            var text = text
            text.withUTF8 { Self.writeLine(UInt8(ascii: "+"), UnsafeRawBufferPointer($0), to: &buffer) }
        case .error(let text):
            buffer.writeInteger(UInt8(ascii: "-"))
            // Redis turns line breaks in an error into spaces, so the reply stays one line.
            for byte in text.utf8 {
                buffer.writeInteger(byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") ? UInt8(ascii: " ") : byte)
            }
            buffer.writeStaticString("\r\n")
        case .integer(let value):
            Self.writeNumberLine(UInt8(ascii: ":"), value, to: &buffer)
        case .bulk(let bytes):
            bytes.withUnsafeReadableBytes { Self.writeBulk($0, to: &buffer) }
        case .bytes(let bytes):
            bytes.withUnsafeBytes { Self.writeBulk($0, to: &buffer) }
        case .null:
            buffer.writeStaticString("$-1\r\n")
        case .array(let elements):
            Self.writeNumberLine(UInt8(ascii: "*"), Int64(elements.count), to: &buffer)
            for element in elements { element.write(to: &buffer) }
        }
    }

    /// The longest `$N\r\n` or `:N\r\n` line: a kind byte, a sign, 19 digits, the line break.
    private static let longestNumberLine = 23

    /// `kind`, `text`, `\r\n`.
    private static func writeLine(_ kind: UInt8, _ text: UnsafeRawBufferPointer, to buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: text.count + 3) { out in
            out[0] = kind
            UnsafeMutableRawBufferPointer(rebasing: out[1...]).copyMemory(from: text)
            out[text.count + 1] = UInt8(ascii: "\r")
            out[text.count + 2] = UInt8(ascii: "\n")
            return text.count + 3
        }
    }

    /// `kind`, `value` in decimal, `\r\n`.
    private static func writeNumberLine(_ kind: UInt8, _ value: Int64, to buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.longestNumberLine) { out in
            Self.numberLine(kind, value, into: out)
        }
    }

    /// `$count\r\n`, the payload, `\r\n`.
    private static func writeBulk(_ payload: UnsafeRawBufferPointer, to buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.longestNumberLine + payload.count + 2) { out in
            var end = Self.numberLine(UInt8(ascii: "$"), Int64(payload.count), into: out)
            UnsafeMutableRawBufferPointer(rebasing: out[end...]).copyMemory(from: payload)
            end += payload.count
            out[end] = UInt8(ascii: "\r")
            out[end + 1] = UInt8(ascii: "\n")
            return end + 2
        }
    }

    /// Writes `kind`, `value` in decimal and `\r\n` at the start of `out` (which has room for the longest);
    /// how many bytes that took.
    private static func numberLine(_ kind: UInt8, _ value: Int64, into out: UnsafeMutableRawBufferPointer) -> Int {
        out[0] = kind
        var end = 1
        if value < 0 {
            out[end] = UInt8(ascii: "-")
            end += 1
        }
        var magnitude = value.magnitude
        // An Int64's magnitude has at most 19 digits.
        var digits = 1
        var scale: UInt64 = 10
        while digits < 19, magnitude >= scale {
            digits += 1
            scale &*= 10
        }
        end += digits
        for index in stride(from: end - 1, through: end - digits, by: -1) {
            out[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        }
        out[end] = UInt8(ascii: "\r")
        out[end + 1] = UInt8(ascii: "\n")
        return end + 2
    }
}
