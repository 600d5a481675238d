import HTTPTypes
import JourneyCore
import NIOCore

/// Serves a fixed set of files held in memory (the site compiled into the binary) with the same
/// validators, conditionals and ranges as files on disk.
public struct InMemoryFiles: Responder {
    private let representations: [String: Representation]
    private let indexFile: String

    /// Serves `files` (path without leading `/` → bytes), all dated `modificationTime`.
    public init(files: [String: [UInt8]], modificationTime: Int, indexFile: String = "index.html") {
        var representations: [String: Representation] = [:]
        for (name, bytes) in files {
            var hasher = FNV1a()
            hasher.combine(bytes)
            representations[name] = Representation(
                source: .memory(ByteBuffer(bytes: bytes)),
                size: bytes.count,
                contentType: MediaType.forFileName(name),
                entityTag: EntityTag(opaque: String(hasher.value, radix: 16)),
                lastModified: modificationTime
            )
        }
        self.representations = representations
        self.indexFile = indexFile
    }

    /// 405 with `Allow` for any method but GET and HEAD, before a body is read.
    public func refusal(of request: Request) -> HTTPError? {
        FileMethods.refusal(of: request)
    }

    /// Answers GET and HEAD for the embedded files; 404 for anything else under it.
    public func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        let eventLoop = context.eventLoop
        if let refusal = FileMethods.refusal(of: request) { return eventLoop.makeFailedFuture(refusal) }
        guard case .success(let path) = RequestPath.resolve(request.path, allowDotfiles: false) else {
            return eventLoop.makeFailedFuture(HTTPError(.notFound))
        }
        var name = path.relative
        if path.hasTrailingSlash || name.isEmpty {
            name = name.isEmpty ? self.indexFile : name + "/" + self.indexFile
        }
        guard let representation = self.representations[name] else {
            return eventLoop.makeFailedFuture(HTTPError(.notFound))
        }
        return eventLoop.makeSucceededFuture(
            RepresentationResponse.make(for: request, representation: representation)
        )
    }
}

/// 64-bit FNV-1a: a content hash for entity tags of embedded files (not for security).
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func combine(_ bytes: [UInt8]) {
        for byte in bytes {
            self.value = (self.value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
    }
}
