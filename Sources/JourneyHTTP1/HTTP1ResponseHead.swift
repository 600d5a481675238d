import HTTPTypes
import NIOCore
import NIOHTTP1

/// A finished response's head in HTTP/1.1's bytes, for the requests the fast path hands the responder itself (NIO's
/// encoder writes the full path's): the status line, the fields in their order, then what the connection adds.
enum HTTP1ResponseHead {
    /// Appends `head` to `buffer`, with `Connection: close` when `closing` and `Transfer-Encoding: chunked` when
    /// `chunked`, through the blank line.
    static func write(_ head: HTTPResponse, closing: Bool, chunked: Bool, into buffer: inout ByteBuffer) {
        let status = head.status
        buffer.writeStaticString("HTTP/1.1 ")
        buffer.writeString(String(status.code))
        buffer.writeInteger(UInt8(ascii: " "))
        // A status made from a bare code has no reason phrase: the standard one (NIO's table) then.
        let reason = status.reasonPhrase
        buffer.writeString(reason.isEmpty ? HTTPResponseStatus(statusCode: status.code).reasonPhrase : reason)
        buffer.writeStaticString("\r\n")
        Self.write(head.headerFields, into: &buffer)
        if closing { buffer.writeStaticString("Connection: close\r\n") }
        if chunked { buffer.writeStaticString("Transfer-Encoding: chunked\r\n") }
        buffer.writeStaticString("\r\n")
    }

    /// Whether a streamed body goes chunked: the handler gave no length and no coding of its own.
    static func isChunked(_ head: HTTPResponse) -> Bool {
        head.headerFields[.contentLength] == nil && head.headerFields[.transferEncoding] == nil
    }

    /// `chunk` framed as one chunk of a chunked body (RFC 9112 §7.1).
    static func chunk(_ chunk: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var framed = allocator.buffer(capacity: chunk.readableBytes + 20)
        framed.writeString(String(chunk.readableBytes, radix: 16))
        framed.writeStaticString("\r\n")
        framed.writeImmutableBuffer(chunk)
        framed.writeStaticString("\r\n")
        return framed
    }

    /// The last chunk, with `trailers` as the trailer section.
    static func lastChunk(trailers: HTTPFields?, allocator: ByteBufferAllocator) -> ByteBuffer {
        var end = allocator.buffer(capacity: 5)
        end.writeStaticString("0\r\n")
        if let trailers { Self.write(trailers, into: &end) }
        end.writeStaticString("\r\n")
        return end
    }

    /// `fields` as field lines, in their order.
    private static func write(_ fields: HTTPFields, into buffer: inout ByteBuffer) {
        for field in fields {
            buffer.writeString(field.name.rawName)
            buffer.writeStaticString(": ")
            buffer.writeString(field.value)
            buffer.writeStaticString("\r\n")
        }
    }
}
