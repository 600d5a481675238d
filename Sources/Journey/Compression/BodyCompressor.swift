import CBrotli
import CZstd
import CompressNIO
import JourneyStaticFiles
import NIOCore

/// One response body's compressor: gzip through compress-nio's zlib, Brotli and Zstandard through Debian's
/// libbrotli and libzstd. A whole body goes through `compress(_:flush:)` once with `finish`; a stream's pieces each
/// with `flush`, so what a producer wrote (a Server-Sent Event) reaches the client without waiting for more.
///
/// Not shared: one response's producer or one thread-pool job uses it, start to end.
final class BodyCompressor {
    private enum Engine {
        case gzip(ZlibCompressor)
        case brotli(OpaquePointer)
        case zstd(OpaquePointer)
    }

    /// How much of the input is written out when a call returns.
    enum Flush {
        /// All of it, and the stream ends: the last call.
        case finish
        /// All of it, the stream goes on: a piece of a stream.
        case flush
    }

    /// The compressor could not be made or failed (out of memory, a library error).
    struct Failure: Error {}

    let coding: ContentCoding
    private let engine: Engine

    /// A compressor for `coding` at `levels`' level for it.
    init(_ coding: ContentCoding, levels: Configuration.Compression) throws {
        self.coding = coding
        switch coding {
        case .gzip:
            let configuration = ZlibConfiguration(compressionLevel: Int32(levels.gzipLevel))
            self.engine = .gzip(try ZlibCompressor(algorithm: .gzip, configuration: configuration))
        case .brotli:
            guard let state = BrotliEncoderCreateInstance(nil, nil, nil) else { throw Failure() }
            BrotliEncoderSetParameter(state, BROTLI_PARAM_QUALITY, UInt32(levels.brotliQuality))
            // Text: the encoder's context modelling for UTF-8.
            BrotliEncoderSetParameter(state, BROTLI_PARAM_MODE, BROTLI_MODE_TEXT.rawValue)
            self.engine = .brotli(state)
        case .zstd:
            guard let context = ZSTD_createCCtx() else { throw Failure() }
            ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(levels.zstdLevel))
            self.engine = .zstd(context)
        }
    }

    deinit {
        switch self.engine {
        case .gzip: break
        case .brotli(let state): BrotliEncoderDestroyInstance(state)
        case .zstd(let context): ZSTD_freeCCtx(context)
        }
    }

    /// Compresses `input` and returns what the coding has made of it so far (all of it, with `flush`/`finish`).
    func compress(_ input: ByteBuffer, flush: Flush, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        switch self.engine {
        case .gzip(let zlib):
            var input = input
            var output = allocator.buffer(capacity: zlib.maxSize(from: input) + 64)
            try zlib.deflate(from: &input, to: &output, flush: flush == .finish ? .finish : .sync)
            return output
        case .brotli(let state):
            return try Self.brotli(state, input, flush: flush, allocator: allocator)
        case .zstd(let context):
            return try Self.zstd(context, input, flush: flush, allocator: allocator)
        }
    }

    private static func brotli(
        _ state: OpaquePointer,
        _ input: ByteBuffer,
        flush: Flush,
        allocator: ByteBufferAllocator
    ) throws -> ByteBuffer {
        var output = allocator.buffer(capacity: input.readableBytes / 3 + 64)
        let operation = flush == .finish ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_FLUSH
        try input.withUnsafeReadableBytes { bytes in
            var available = bytes.count
            var next = bytes.bindMemory(to: UInt8.self).baseAddress
            var noRoom = 0
            while true {
                guard BrotliEncoderCompressStream(state, operation, &available, &next, &noRoom, nil, nil) != 0 else {
                    throw Failure()
                }
                // The encoder keeps its output; take it as it comes.
                while BrotliEncoderHasMoreOutput(state) != 0 {
                    var size = 0
                    guard let piece = BrotliEncoderTakeOutput(state, &size) else { break }
                    output.writeBytes(UnsafeRawBufferPointer(start: piece, count: size))
                }
                let done = operation == BROTLI_OPERATION_FINISH ? BrotliEncoderIsFinished(state) != 0 : true
                if available == 0 && done && BrotliEncoderHasMoreOutput(state) == 0 { break }
            }
        }
        return output
    }

    private static func zstd(
        _ context: OpaquePointer,
        _ input: ByteBuffer,
        flush: Flush,
        allocator: ByteBufferAllocator
    ) throws -> ByteBuffer {
        let directive = flush == .finish ? ZSTD_e_end : ZSTD_e_flush
        let chunk = ZSTD_CStreamOutSize()
        var output = allocator.buffer(capacity: max(input.readableBytes / 3, 64))
        try input.withUnsafeReadableBytes { bytes in
            var source = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
            while true {
                var remaining = 0
                let written = try output.writeWithUnsafeMutableBytes(minimumWritableBytes: chunk) { room in
                    var destination = ZSTD_outBuffer(dst: room.baseAddress, size: room.count, pos: 0)
                    remaining = ZSTD_compressStream2(context, &destination, &source, directive)
                    guard ZSTD_isError(remaining) == 0 else { throw Failure() }
                    return destination.pos
                }
                _ = written
                // 0 left: everything given is out (and, with `end`, the frame is closed).
                if remaining == 0 && source.pos == source.size { break }
            }
        }
        return output
    }
}
