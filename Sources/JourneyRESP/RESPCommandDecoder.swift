import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The Parse stage of RESP: bytes to commands, as Redis reads them — multibulk (`*2\r\n$3\r\nGET\r\n…`, what
/// clients send) or inline (`PING\r\n`, what telnet sends), any number pipelined in one read.
///
/// A command's arguments are slices of the read buffer (no copy). The arguments of a command that spans
/// reads are kept as they complete, so a large pipelined value is scanned once.
public struct RESPCommandDecoder: NIOSingleStepByteToMessageDecoder {
    /// A command.
    public typealias InboundOut = RESPCommand

    /// The most bytes one request (all of its arguments) may take; a bulk longer than this is an
    /// "invalid bulk length", as in Redis.
    public let maximumRequestSize: Int
    /// The longest line Redis reads before giving up on its line break (PROTO_INLINE_MAX_SIZE).
    static let maximumLineLength = 64 * 1024

    /// Arguments still expected for the multibulk command in progress (0: between commands).
    private var remaining = 0
    private var arguments: [ByteBuffer] = []
    private var requestBytes = 0

    /// A decoder taking requests of up to `maximumRequestSize` bytes.
    public init(maximumRequestSize: Int) {
        self.maximumRequestSize = maximumRequestSize
    }

    /// The next command, or nil when more bytes are needed (lines Redis skips are skipped).
    public mutating func decode(buffer: inout ByteBuffer) throws -> RESPCommand? {
        while let command = try self.decodeCommand(&buffer) {
            if !command.arguments.isEmpty { return command }
        }
        return nil
    }

    /// At the end of the input a partial command is dropped, as Redis drops it.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPCommand? {
        try self.decode(buffer: &buffer)
    }

    /// The next command (an empty one for a line Redis skips), or nil when more bytes are needed.
    mutating func decodeCommand(_ buffer: inout ByteBuffer) throws -> RESPCommand? {
        if self.remaining == 0 {
            guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
            guard first == UInt8(ascii: "*") else { return try self.decodeInline(&buffer) }
            guard let (count, length) = try self.headerLine(buffer, tooLong: .tooBigMultibulkCount) else { return nil }
            guard let count, count <= Int32.max else { throw RESPProtocolError.invalidMultibulkLength }
            buffer.moveReaderIndex(forwardBy: length)
            // "*0" and "*-1" are skipped, as Redis skips them.
            guard count > 0 else { return RESPCommand(arguments: []) }
            self.remaining = Int(count)
            self.requestBytes = length
            self.arguments = []
            self.arguments.reserveCapacity(min(Int(count), 1024))
        }
        while self.remaining > 0 {
            guard let (declared, length) = try self.headerLine(buffer, tooLong: .tooBigBulkCount) else { return nil }
            // Redis looks at the line's first byte once the whole line is in.
            let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)!
            guard first == UInt8(ascii: "$") else { throw RESPProtocolError.expectedBulk(got: first) }
            guard let declared, declared >= 0, declared <= self.maximumRequestSize else {
                throw RESPProtocolError.invalidBulkLength
            }
            let size = Int(declared)
            // The bulk and the two bytes after it (Redis skips them without looking).
            guard buffer.readableBytes >= length + size + 2 else {
                if self.requestBytes + length + size + 2 > self.maximumRequestSize {
                    throw RESPProtocolError.requestTooLarge
                }
                return nil
            }
            self.requestBytes += length + size + 2
            guard self.requestBytes <= self.maximumRequestSize else { throw RESPProtocolError.requestTooLarge }
            self.arguments.append(buffer.getSlice(at: buffer.readerIndex + length, length: size)!)
            buffer.moveReaderIndex(forwardBy: length + size + 2)
            self.remaining -= 1
        }
        defer { self.arguments = [] }
        return RESPCommand(arguments: self.arguments)
    }

    /// A `*N` or `$N` line at the reader index: its number (nil when not one) and its length with the line
    /// break; nil when the line break has not arrived.
    private func headerLine(_ buffer: ByteBuffer, tooLong: RESPProtocolError) throws -> (Int64?, Int)? {
        try buffer.withUnsafeReadableBytes { bytes -> (Int64?, Int)? in
            guard let carriageReturn = Self.index(of: UInt8(ascii: "\r"), in: bytes) else {
                if bytes.count > Self.maximumLineLength { throw tooLong }
                return nil
            }
            // Redis wants the byte after the carriage return (the line feed) before it reads the line.
            guard carriageReturn + 1 < bytes.count else { return nil }
            // A line that is only its line break has no number (and its first byte is not `*` or `$`).
            let number =
                carriageReturn > 1
                ? RESPCommand.integer(UnsafeRawBufferPointer(rebasing: bytes[1..<carriageReturn])) : nil
            return (number, carriageReturn + 2)
        }
    }

    /// The offset of the first `byte` in `bytes` (memchr: the lines are scanned a machine word at a time).
    private static func index(of byte: UInt8, in bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress, let found = memchr(base, Int32(byte), bytes.count) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// An inline command: a line of words.
    private mutating func decodeInline(_ buffer: inout ByteBuffer) throws -> RESPCommand? {
        let found = buffer.withUnsafeReadableBytes { Self.index(of: UInt8(ascii: "\n"), in: $0) }
        guard let offset = found else {
            if buffer.readableBytes > Self.maximumLineLength { throw RESPProtocolError.tooBigInlineRequest }
            return nil
        }
        var lineLength = offset
        if lineLength > 0,
            buffer.getInteger(at: buffer.readerIndex + lineLength - 1, as: UInt8.self) == UInt8(ascii: "\r")
        {
            lineLength -= 1
        }
        guard let words = RESPInlineCommand.words(of: buffer, length: lineLength) else {
            throw RESPProtocolError.unbalancedQuotes
        }
        buffer.moveReaderIndex(forwardBy: offset + 1)
        return RESPCommand(arguments: words)
    }
}
