import HTTPTypes
import JourneyCore
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Serves a folder: the Process stage for static files.
///
/// Like nginx's static module, this only finds, opens and describes the file; conditionals, ranges and
/// HEAD are `RepresentationResponse`'s. Every disk call runs on the thread pool; a hot file is answered
/// from the open-file cache on the event loop with no syscall at all.
public struct StaticFileResponder: PreparedResponder {
    private let options: StaticFileOptions
    private let root: String
    private let threadPool: NIOThreadPool
    private let cache: OpenFileCache

    /// Stops trusting the open-file cache: a file changed on disk (live reload saw it), and the next request must
    /// see it now rather than after the cache's once-a-second revalidation.
    public func forgetCachedFiles() {
        self.cache.removeAll()
    }

    /// Serves `options.root`, doing disk work on `threadPool`.
    ///
    /// - Throws: `StaticFileError.rootNotFound` when the root does not exist (checked once, at start-up).
    public init(options: StaticFileOptions, threadPool: NIOThreadPool) throws {
        guard let real = realpath(options.root, nil) else {
            throw StaticFileError.rootNotFound(options.root)
        }
        self.root = String(cString: real)
        free(real)
        self.options = options
        self.threadPool = threadPool
        self.cache = OpenFileCache(capacity: options.openFileCacheCapacity)
    }

    /// 405 with `Allow` for any method but GET and HEAD, before a body is read.
    public func refusal(of request: Request) -> HTTPError? {
        FileMethods.refusal(of: request)
    }

    /// Answers GET and HEAD for files under the root; 405 with `Allow` for any other method.
    public func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        let eventLoop = context.eventLoop
        if let refusal = FileMethods.refusal(of: request) { return eventLoop.makeFailedFuture(refusal) }
        // The cache is keyed by the path as it arrived: only a path that resolved safely is ever stored,
        // so a hit skips resolving it again (and `/` is as cheap as `/index.html`).
        let key = String(request.path)
        let now = Int(time(nil))
        if let file = self.freshFile(for: key, now: now) {
            return eventLoop.makeSucceededFuture(self.response(for: request, file: file))
        }
        let path: RequestPath
        switch RequestPath.resolve(request.path, allowDotfiles: self.options.servesDotfiles) {
        case .success(let resolved): path = resolved
        case .failure(.malformed): return eventLoop.makeFailedFuture(HTTPError(.badRequest))
        case .failure(.hidden): return eventLoop.makeFailedFuture(HTTPError(.notFound))
        }
        return self.threadPool.runIfActive(eventLoop: eventLoop) {
            self.lookUp(path, key: key, now: now)
        }.flatMapThrowing { outcome in
            switch outcome {
            case .file(let file):
                return self.response(for: request, file: file)
            case .redirect:
                var location = path.encodedDirectory
                if let query = request.query { location += "?" + query }
                var response = ErrorPage.response(for: .movedPermanently)
                response.head.headerFields[.location] = location
                return response
            case .listing(let items):
                return self.listingResponse(for: request, path: path, items: items)
            case .failure(let failure):
                throw HTTPError(failure.status)
            }
        }
    }

    /// A file this responder answered in the last second and keeps in memory, laid out; nil for anything else
    /// (the first request for a path always takes the full path, which resolves it safely and caches it).
    public func preparedResponse(toGET path: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse? {
        guard let file = self.freshFile(for: String(path), now: Int(time(nil))),
            !sendsAcceptEncoding || file.siblings.isEmpty
        else { return nil }
        return file.prepared
    }

    /// The cache's entry for `key` if it was checked in second `now` and its files were not cut short since: a
    /// file truncated in place is looked up afresh, never sent at its old length.
    private func freshFile(for key: String, now: Int) -> CachedResource? {
        guard let file = self.cache.freshEntry(for: key, now: now), file.isIntact else { return nil }
        return file
    }

    private enum Outcome: Sendable {
        case file(CachedResource)
        case redirect
        case listing([DirectoryListing.Item])
        case failure(FileSystemFailure)
    }

    /// Finds what `path` names. Blocking: runs on the thread pool.
    private func lookUp(_ path: RequestPath, key: String, now: Int) -> Outcome {
        let relative = path.relative
        switch self.inspect(relative) {
        case .failure(let failure):
            self.cache.remove(key)
            return .failure(failure)
        case .file(let file):
            // `/file.txt/` names a directory that does not exist (open(2) would say ENOTDIR).
            guard !path.hasTrailingSlash else { return .failure(.notFound) }
            let resource = CachedResource(file, options: self.options)
            self.cache.store(resource, for: key, now: now)
            return .file(resource)
        case .directory:
            guard path.hasTrailingSlash else { return .redirect }
            if let index = self.options.indexFile {
                let indexRelative = relative.isEmpty ? index : relative + "/" + index
                if case .file(let file) = self.inspect(indexRelative) {
                    let resource = CachedResource(file, options: self.options)
                    self.cache.store(resource, for: key, now: now)
                    return .file(resource)
                }
            }
            guard self.options.listsDirectories else { return .failure(FileSystemFailure(status: .forbidden)) }
            let directory = relative.isEmpty ? self.root : self.root + "/" + relative
            guard let items = DirectoryListing.read(directory: directory, allowDotfiles: self.options.servesDotfiles)
            else { return .failure(FileSystemFailure(status: .forbidden)) }
            return .listing(items)
        }
    }

    private func inspect(_ relative: String) -> FileSystemEntry {
        FileSystemEntry.inspect(
            relative: relative,
            root: self.root,
            followSymlinks: self.options.followsSymlinks,
            inMemoryLimit: self.options.inMemoryLimit
        )
    }

    private func response(for request: Request, file: CachedResource) -> Response {
        let representation = file.representation(acceptEncoding: request.head.headerFields[.acceptEncoding])
        return RepresentationResponse.make(
            for: request,
            representation: representation,
            cacheControl: self.options.cacheControl
        )
    }

    private func listingResponse(for request: Request, path: RequestPath, items: [DirectoryListing.Item]) -> Response {
        let listing = DirectoryListing(urlPath: path.encodedDirectory, items: items)
        // A client that asks for JSON gets the listing as data (Caddy's browse answers the same way).
        let asksForJSON = request.head.headerFields[values: .accept].contains { $0.contains("application/json") }
        let text = asksForJSON ? listing.json : listing.html
        var fields: HTTPFields = [.contentType: asksForJSON ? "application/json" : "text/html; charset=utf-8"]
        fields[.contentLength] = String(text.utf8.count)
        fields[.vary] = "Accept"
        if let cacheControl = self.options.cacheControl { fields[.cacheControl] = cacheControl }
        let body: ResponseBody = request.head.method == .head ? .empty : .bytes(ByteBuffer(string: text))
        return Response(status: .ok, headerFields: fields, body: body)
    }
}

/// Why a static-file responder could not be set up.
public struct StaticFileError: Error, CustomStringConvertible {
    private let message: String

    /// The folder to serve does not exist or cannot be resolved.
    public static func rootNotFound(_ root: String) -> StaticFileError {
        StaticFileError(message: "the folder to serve, \(root), does not exist")
    }

    public var description: String { self.message }
}
