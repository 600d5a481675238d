import HTTPTypes
import JourneyCore
import JourneyStaticFiles
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What the main listener answers, compressed on the fly for clients that accept it (`Configuration.Compression`):
/// bytes in memory (inline when small, on the thread pool when large), files (read and compressed on the thread
/// pool, then kept by ETag), streams (piece by piece). Everything compressible gets `Vary: Accept-Encoding`,
/// compressed or not, so caches keep the forms apart.
struct CompressingResponder: PreparedResponder {
    let inner: any Responder
    private let preparedInner: (any PreparedResponder)?
    let options: Configuration.Compression
    let cache: CompressedFileCache
    let threadPool: NIOThreadPool
    /// Bodies up to this size are compressed on the event loop (a few microseconds); larger ones on the thread pool.
    private static let inlineLimit = 16 * 1024

    init(_ inner: any Responder, options: Configuration.Compression, threadPool: NIOThreadPool) {
        self.inner = inner
        self.preparedInner = inner as? any PreparedResponder
        self.options = options
        self.cache = CompressedFileCache(budget: options.cacheSize)
        self.threadPool = threadPool
    }

    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        self.inner.respond(to: request, context: context).flatMap { response in
            self.compressed(response, for: request, context: context)
        }
    }

    func refusal(of request: Request) -> HTTPError? { self.inner.refusal(of: request) }

    func bodyPolicy(for request: Request) -> RequestBodyPolicy { self.inner.bodyPolicy(for: request) }

    /// A client that accepts codings is answered by the full path, which compresses.
    func preparedResponse(toGET path: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse? {
        guard !sendsAcceptEncoding else { return nil }
        return self.preparedInner?.preparedResponse(toGET: path, sendsAcceptEncoding: false)
    }

    var answersByHost: Bool { self.preparedInner?.answersByHost ?? false }

    func preparedResponse(toGET path: Substring, host: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse? {
        guard !sendsAcceptEncoding else { return nil }
        return self.preparedInner?.preparedResponse(toGET: path, host: host, sendsAcceptEncoding: false)
    }

    /// `response` compressed for `request`, when it is a kind that is and the client accepts a coding.
    func compressed(_ response: Response, for request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        let loop = context.eventLoop
        var response = response
        let fields = response.head.headerFields
        guard let type = fields[.contentType], self.options.compresses(type[...]) else {
            return loop.makeSucceededFuture(response)
        }
        if !(fields[values: .vary].contains { $0.lowercased().contains("accept-encoding") }) {
            response.head.headerFields.append(HTTPField(name: .vary, value: "Accept-Encoding"))
        }
        let status = response.head.status
        guard fields[.contentEncoding] == nil, fields[.contentRange] == nil, status != .partialContent,
            status != .noContent, status != .notModified, status.kind != .informational,
            !(fields[.cacheControl]?.lowercased().contains("no-transform") ?? false),
            let accepted = request.head.headerFields[.acceptEncoding],
            let coding = ContentCoding.ranked(self.options.codings, by: accepted).first
        else { return loop.makeSucceededFuture(response) }

        let options = self.options
        let allocator = context.allocator
        let varied = response
        switch varied.body {
        case .bytes(let buffer) where buffer.readableBytes >= options.minimumSize:
            if buffer.readableBytes <= Self.inlineLimit {
                guard
                    let body = try? BodyCompressor(coding, levels: options).compress(
                        buffer,
                        flush: .finish,
                        allocator: allocator
                    )
                else { return loop.makeSucceededFuture(response) }
                return loop.makeSucceededFuture(Self.encoded(response, body: .bytes(body), coding: coding))
            }
            return self.threadPool.runIfActive(eventLoop: loop) {
                try BodyCompressor(coding, levels: options).compress(buffer, flush: .finish, allocator: allocator)
            }.map { Self.encoded(varied, body: .bytes($0), coding: coding) }.recover { _ in varied }
        case .file(let slice) where slice.count >= options.minimumSize && slice.count <= options.maximumFileSize:
            let key = fields[.eTag].map { "\($0) \(coding.rawValue) \(slice.offset) \(slice.count)" }
            if let key, let kept = self.cache.body(for: key) {
                return loop.makeSucceededFuture(Self.encoded(response, body: .bytes(kept), coding: coding))
            }
            let cache = self.cache
            return self.threadPool.runIfActive(eventLoop: loop) { () -> ByteBuffer in
                let bytes = try Self.read(slice, allocator: allocator)
                let body = try BodyCompressor(coding, levels: options).compress(
                    bytes,
                    flush: .finish,
                    allocator: allocator
                )
                if let key { cache.keep(body, for: key) }
                return body
            }.map { Self.encoded(varied, body: .bytes($0), coding: coding) }.recover { _ in varied }
        case .stream(let stream):
            let compressing = ResponseBodyStream(withTrailers: { writer in
                let compressor = try BodyCompressor(coding, levels: options)
                let trailers = try await stream.produce(
                    ResponseBodyWriter(
                        sink: CompressingSink(compressor: compressor, writer: writer, allocator: allocator)
                    )
                )
                try await writer.write(try compressor.compress(ByteBuffer(), flush: .finish, allocator: allocator))
                return trailers
            })
            return loop.makeSucceededFuture(Self.encoded(response, body: .stream(compressing), coding: coding))
        default:
            return loop.makeSucceededFuture(response)
        }
    }

    /// `response` with `body` in `coding`: Content-Encoding set, its length left to the body, a strong ETag made
    /// weak (the compressed bytes are not the file's bytes; nginx does the same).
    private static func encoded(_ response: Response, body: ResponseBody, coding: ContentCoding) -> Response {
        var encoded = response
        encoded.body = body
        encoded.head.headerFields[.contentEncoding] = coding.rawValue
        encoded.head.headerFields[.contentLength] = nil
        if let tag = encoded.head.headerFields[.eTag], !tag.hasPrefix("W/") {
            encoded.head.headerFields[.eTag] = "W/" + tag
        }
        return encoded
    }

    /// The bytes of `slice`, read with pread (on the thread pool).
    private static func read(_ slice: FileSlice, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        var buffer = allocator.buffer(capacity: slice.count)
        var done = 0
        while done < slice.count {
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: slice.count - done) { room in
                let read = pread(
                    slice.file.descriptor,
                    room.baseAddress,
                    slice.count - done,
                    off_t(slice.offset + done)
                )
                guard read > 0 else { throw BodyCompressor.Failure() }
                return read
            }
            done += count
        }
        return buffer
    }
}

/// A stream's writer that compresses each piece and flushes it, so a Server-Sent Event reaches the client whole.
private final class CompressingSink: ResponseBodySink, @unchecked Sendable {
    // @unchecked: a producer writes one piece at a time (each write returns before the next), so the compressor is
    // never used by two at once.
    let compressor: BodyCompressor
    let writer: ResponseBodyWriter
    let allocator: ByteBufferAllocator

    init(compressor: BodyCompressor, writer: ResponseBodyWriter, allocator: ByteBufferAllocator) {
        self.compressor = compressor
        self.writer = writer
        self.allocator = allocator
    }

    func write(_ buffer: ByteBuffer) async throws {
        try await self.writer.write(try self.compressor.compress(buffer, flush: .flush, allocator: self.allocator))
    }
}
