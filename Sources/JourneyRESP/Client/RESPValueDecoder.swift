import NIOCore

/// The Parse stage of a RESP client: bytes from the server to values, RESP2 and RESP3, any number in one read.
///
/// A value is parsed only once all of its bytes are in (a nested array's too), so a partial read costs a rescan of
/// its start and nothing else; a server's values are small (replies and pub/sub messages).
public struct RESPValueDecoder: NIOSingleStepByteToMessageDecoder {
    /// A value.
    public typealias InboundOut = RESPValue

    /// The most bytes one bulk may take, and the deepest nesting: a server that sends more is not one to talk to.
    public let maximumBulkSize: Int
    static let maximumDepth = 32

    /// A decoder taking bulks of up to `maximumBulkSize` bytes.
    public init(maximumBulkSize: Int = 512 << 20) {
        self.maximumBulkSize = maximumBulkSize
    }

    /// Why the bytes are not RESP.
    public struct Malformed: Error, Equatable {
        /// What was wrong.
        public let reason: String
    }

    /// The next value, or nil when more bytes are needed.
    public mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        var reader = buffer
        guard let value = try self.value(from: &reader, depth: 0) else { return nil }
        buffer = reader
        return value
    }

    /// At the end of the input a partial value is dropped.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try self.decode(buffer: &buffer)
    }

    private func value(from buffer: inout ByteBuffer, depth: Int) throws(Malformed) -> RESPValue? {
        guard depth < Self.maximumDepth else { throw Malformed(reason: "nested too deeply") }
        while true {
            guard let kind = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
                let line = try Self.line(in: &buffer)
            else { return nil }
            switch kind {
            case UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: "("):
                return .simple(line)
            case UInt8(ascii: "-"):
                return .error(line)
            case UInt8(ascii: ":"):
                return .integer(try Self.number(line))
            case UInt8(ascii: "#"):
                return .integer(line == "t" ? 1 : 0)
            case UInt8(ascii: "_"):
                return .null
            case UInt8(ascii: "$"), UInt8(ascii: "="), UInt8(ascii: "!"):
                let count = try Self.number(line)
                if count < 0 { return .null }
                guard count <= self.maximumBulkSize else { throw Malformed(reason: "bulk too long") }
                guard buffer.readableBytes >= Int(count) + 2 else { return nil }
                var bytes = buffer.readSlice(length: Int(count)) ?? ByteBuffer()
                guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                    throw Malformed(reason: "bulk without its line break")
                }
                if kind == UInt8(ascii: "!") { return .error(bytes.readString(length: bytes.readableBytes) ?? "") }
                // A verbatim string starts with its format (`txt:`).
                if kind == UInt8(ascii: "=") { bytes.moveReaderIndex(forwardBy: min(4, bytes.readableBytes)) }
                return .bulk(bytes)
            case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "|"):
                let count = try Self.number(line)
                if count < 0 { return .null }
                let elements = kind == UInt8(ascii: "%") || kind == UInt8(ascii: "|") ? count * 2 : count
                var values: [RESPValue] = []
                values.reserveCapacity(Int(min(elements, 1024)))
                for _ in 0..<elements {
                    guard let element = try self.value(from: &buffer, depth: depth + 1) else { return nil }
                    values.append(element)
                }
                // An attribute describes the value after it, which is the one returned.
                if kind == UInt8(ascii: "|") { continue }
                return kind == UInt8(ascii: ">") ? .push(values) : .array(values)
            default:
                throw Malformed(reason: "unknown type byte \(kind)")
            }
        }
    }

    /// The line after the type byte, without its `\r\n`; nil when its end has not arrived.
    private static func line(in buffer: inout ByteBuffer) throws(Malformed) -> String? {
        let view = buffer.readableBytesView
        guard let end = view.firstIndex(of: UInt8(ascii: "\r")) else {
            if view.count > 64 * 1024 { throw Malformed(reason: "line too long") }
            return nil
        }
        guard end + 1 < view.endIndex else { return nil }
        guard view[end + 1] == UInt8(ascii: "\n") else { throw Malformed(reason: "line without its line break") }
        let length = end - view.startIndex
        buffer.moveReaderIndex(forwardBy: 1)
        let text = buffer.readString(length: length - 1) ?? ""
        buffer.moveReaderIndex(forwardBy: 2)
        return text
    }

    private static func number(_ line: String) throws(Malformed) -> Int64 {
        guard let value = Int64(line) else { throw Malformed(reason: "not a number: \(line.prefix(32))") }
        return value
    }
}
