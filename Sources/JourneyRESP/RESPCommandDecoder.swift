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
/// reads are kept as they complete, so a large pipelined value is scanned once. The list that holds them
/// is reused from command to command (the previous command is answered and gone by the time the next one
/// is read), so a command costs no allocation of its own.
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
        // The read is done with: the last command's slices must not keep its buffer from being reused.
        if self.remaining == 0 { self.emptyArguments() }
        return nil
    }

    /// At the end of the input a partial command is dropped, as Redis drops it.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPCommand? {
        try self.decode(buffer: &buffer)
    }

    /// The next command (an empty one for a line Redis skips), or nil when more bytes are needed.
    mutating func decodeCommand(_ buffer: inout ByteBuffer) throws -> RESPCommand? {
        // One look at the readable bytes for the whole command, not one per line and bulk.
        let scanned = try buffer.withUnsafeReadableBytes { bytes in try self.scanMultibulk(bytes, of: buffer) }
        guard let (consumed, isComplete) = scanned else { return try self.decodeInline(&buffer) }
        buffer.moveReaderIndex(forwardBy: consumed)
        return isComplete ? RESPCommand(arguments: self.arguments) : nil
    }

    /// Reads a multibulk command from `bytes` (`buffer`'s readable bytes) as far as they go: the bytes taken,
    /// and whether the command is complete (its arguments are then `arguments`; none for a `*0` Redis skips).
    /// Nil when the bytes start an inline command instead.
    private mutating func scanMultibulk(
        _ bytes: UnsafeRawBufferPointer,
        of buffer: ByteBuffer
    ) throws -> (consumed: Int, isComplete: Bool)? {
        let start = buffer.readerIndex
        var offset = 0
        if self.remaining == 0 {
            guard let first = bytes.first else { return (0, false) }
            guard first == UInt8(ascii: "*") else { return nil }
            guard let (count, length) = try Self.headerLine(bytes, from: 0, tooLong: .tooBigMultibulkCount) else {
                return (0, false)
            }
            guard let count, count <= Int32.max else { throw RESPProtocolError.invalidMultibulkLength }
            offset = length
            self.emptyArguments()
            // "*0" and "*-1" are skipped, as Redis skips them.
            guard count > 0 else { return (offset, true) }
            self.remaining = Int(count)
            self.requestBytes = length
            self.arguments.reserveCapacity(min(Int(count), 1024))
        }
        while self.remaining > 0 {
            guard let (declared, length) = try Self.headerLine(bytes, from: offset, tooLong: .tooBigBulkCount) else {
                return (offset, false)
            }
            // Redis looks at the line's first byte once the whole line is in.
            guard bytes[offset] == UInt8(ascii: "$") else { throw RESPProtocolError.expectedBulk(got: bytes[offset]) }
            guard let declared, declared >= 0, declared <= self.maximumRequestSize else {
                throw RESPProtocolError.invalidBulkLength
            }
            let size = Int(declared)
            // The bulk and the two bytes after it (Redis skips them without looking).
            guard bytes.count - offset >= length + size + 2 else {
                if self.requestBytes + length + size + 2 > self.maximumRequestSize {
                    throw RESPProtocolError.requestTooLarge
                }
                return (offset, false)
            }
            self.requestBytes += length + size + 2
            guard self.requestBytes <= self.maximumRequestSize else { throw RESPProtocolError.requestTooLarge }
            self.arguments.append(buffer.getSlice(at: start + offset + length, length: size)!)
            offset += length + size + 2
            self.remaining -= 1
        }
        return (offset, true)
    }

    /// Empties the argument list for the next command. Its storage is unique again by then (the previous
    /// command is answered and gone) and is kept, unless a long command (an MSET of thousands) grew it.
    private mutating func emptyArguments() {
        if self.arguments.capacity > 64 {
            self.arguments = []
        } else {
            self.arguments.removeAll(keepingCapacity: true)
        }
    }

    /// A `*N` or `$N` line at `start` in `bytes`: its number (nil when not one) and its length with the line
    /// break; nil when the line break has not arrived.
    private static func headerLine(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int,
        tooLong: RESPProtocolError
    ) throws -> (Int64?, Int)? {
        let line = UnsafeRawBufferPointer(rebasing: bytes[start...])
        guard let carriageReturn = Self.index(of: UInt8(ascii: "\r"), in: line) else {
            if line.count > Self.maximumLineLength { throw tooLong }
            return nil
        }
        // Redis wants the byte after the carriage return (the line feed) before it reads the line.
        guard carriageReturn + 1 < line.count else { return nil }
        // A line that is only its line break has no number (and its first byte is not `*` or `$`).
        let number =
            carriageReturn > 1 ? RESPCommand.integer(UnsafeRawBufferPointer(rebasing: line[1..<carriageReturn])) : nil
        return (number, carriageReturn + 2)
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
