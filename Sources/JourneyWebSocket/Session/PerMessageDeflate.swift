import CompressNIO
import NIOCore

/// One connection's permessage-deflate (RFC 7692) through compress-nio's zlib streams: messages in are inflated
/// within the message size limit, messages out deflated.
///
/// The streams are made when the first compressed message needs them and dropped after each message when that
/// side does not keep its context, so an idle connection holds no zlib memory (a deflate stream is ~256 KiB).
final class PerMessageDeflate {
    /// Why a compressed message could not be inflated.
    enum InflateFailure: Error {
        /// It inflates past the message size limit (1009); inflating stopped there.
        case tooLarge
        /// It is not a deflate stream (1007).
        case corrupt
    }

    /// What was agreed in the handshake.
    let agreement: PerMessageDeflateAgreement
    private var inflater: ZlibDecompressor?
    private var deflater: ZlibCompressor?

    /// The four bytes a sync flush ends with: the sender strips them from each message, the receiver puts them back
    /// (RFC 7692 §7.2.1, §7.2.2).
    private static let tail: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]

    init(agreement: PerMessageDeflateAgreement) {
        self.agreement = agreement
    }

    /// Inflates `piece` of a message onto `output`, which may not grow past `limit` bytes; `isFinal` for the
    /// message's last frame.
    func inflate(
        _ piece: ByteBuffer,
        isFinal: Bool,
        into output: inout ByteBuffer,
        limit: Int
    ) throws(InflateFailure) {
        var input = piece
        if isFinal { input.writeBytes(Self.tail) }
        var startedAfresh = false
        while input.readableBytes > 0 {
            let inflater = try self.currentInflater()
            // Room up to one byte past the limit: reaching it means the message is too large.
            let room = limit + 1 - output.readableBytes
            guard room > 0 else { throw .tooLarge }
            output.reserveCapacity(minimumWritableBytes: min(room, max(1024, input.readableBytes * 4)))
            let before = (input.readableBytes, output.writerIndex)
            do {
                try inflater.inflate(from: &input, to: &output)
            } catch let error as CompressNIOError where error == .bufferOverflow || error == .inputBufferOverflow {
                // Out of room, or all input taken: go round again (or leave the loop).
            } catch {
                throw .corrupt
            }
            if output.readableBytes > limit { throw .tooLarge }
            guard before == (input.readableBytes, output.writerIndex) else { continue }
            // No progress: the stream ended with a final block (RFC 7692 §7.2.3.3 lets a sender end one). The tail
            // put back after it is left over; anything else starts a new stream, once.
            self.inflater = nil
            if isFinal, input.readableBytes <= Self.tail.count { break }
            guard !startedAfresh else { throw .corrupt }
            startedAfresh = true
        }
        if isFinal, self.agreement.clientNoContextTakeover {
            self.inflater = nil
        }
    }

    /// The inflater, made when first needed.
    private func currentInflater() throws(InflateFailure) -> ZlibDecompressor {
        if let inflater = self.inflater { return inflater }
        // The client's window is at most 15 bits whatever was agreed: the widest inflater reads them all.
        guard let made = try? ZlibDecompressor(algorithm: .deflate, windowSize: 15) else { throw .corrupt }
        self.inflater = made
        return made
    }

    /// The message compressed, without the sync flush's tail; nil if zlib failed (it is then sent as it is).
    func deflate(_ message: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        let deflater: ZlibCompressor
        if let existing = self.deflater {
            deflater = existing
        } else {
            let configuration = ZlibConfiguration(windowSize: Int32(self.agreement.serverMaxWindowBits))
            guard let made = try? ZlibCompressor(algorithm: .deflate, configuration: configuration) else { return nil }
            deflater = made
            self.deflater = made
        }
        var input = message
        var output = allocator.buffer(capacity: deflater.maxSize(from: message))
        do {
            try deflater.deflate(from: &input, to: &output, flush: .sync)
        } catch {
            self.deflater = nil
            return nil
        }
        if self.agreement.serverNoContextTakeover { self.deflater = nil }
        guard output.readableBytes >= 4 else { return nil }
        output.moveWriterIndex(to: output.writerIndex - 4)
        return output
    }
}

@available(*, unavailable)
extension PerMessageDeflate: Sendable {}
