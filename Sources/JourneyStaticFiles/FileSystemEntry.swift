import HTTPTypes
import JourneyCore
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What one path under the root turned out to be, found with blocking calls on the thread pool.
///
/// h2o's file handler is the model: open once, `fstat` the descriptor (never the path again), and map
/// errno the way nginx does, so a permission problem is a 403 and a full descriptor table a 503.
enum FileSystemEntry: Sendable {
    /// A regular file, opened, with its precompressed siblings.
    case file(OpenedFile)
    /// A directory (its real path, for the index and listing).
    case directory
    /// A status to answer with: 404, 403, 503 or 500.
    case failure(FileSystemFailure)

    /// Inspects `relative` under `root`. Blocking: call only on the thread pool.
    static func inspect(relative: String, root: String, followSymlinks: Bool, inMemoryLimit: Int) -> FileSystemEntry {
        let path = relative.isEmpty ? root : root + "/" + relative
        var target = path
        if !followSymlinks {
            // Confinement against symlinks: the real path must stay under the real root.
            guard let real = realpath(path, nil) else { return .failure(FileSystemFailure(errno: errno)) }
            target = String(cString: real)
            free(real)
            guard target == root || target.hasPrefix(root == "/" ? "/" : root + "/") else {
                return .failure(.notFound)
            }
        }
        var status = stat()
        guard stat(target, &status) == 0 else { return .failure(FileSystemFailure(errno: errno)) }
        if (status.st_mode & S_IFMT) == S_IFDIR { return .directory }
        guard (status.st_mode & S_IFMT) == S_IFREG else { return .failure(.notFound) }
        // After realpath the last component is no symlink; O_NOFOLLOW keeps it so if one is swapped in.
        let flags = O_RDONLY | O_CLOEXEC | (followSymlinks ? 0 : O_NOFOLLOW)
        guard let opening = OpenedFile.opening(target, flags: flags, inMemoryLimit: inMemoryLimit) else {
            return .failure(FileSystemFailure(errno: errno))
        }
        guard case .success(var file) = opening else { return .failure(.notFound) }
        for coding in ContentCoding.allCases {
            let siblingPath = target + coding.fileSuffix
            if case .success(let sibling) = OpenedFile.opening(siblingPath, flags: flags, inMemoryLimit: inMemoryLimit)
            {
                file.siblings.append((coding, sibling))
            }
        }
        return .file(file)
    }
}

/// A failed lookup, already mapped to the status it answers with.
struct FileSystemFailure: Error, Hashable, Sendable {
    /// The HTTP status.
    let status: HTTPResponse.Status

    static let notFound = FileSystemFailure(status: .notFound)

    /// nginx's table: ENOENT/ENOTDIR/ENAMETOOLONG 404, EACCES/ELOOP/EPERM 403, EMFILE/ENFILE 503, else 500.
    init(errno code: CInt) {
        switch code {
        case ENOENT, ENOTDIR, ENAMETOOLONG: self.status = .notFound
        case EACCES, ELOOP, EPERM: self.status = .forbidden
        case EMFILE, ENFILE: self.status = .serviceUnavailable
        default: self.status = .internalServerError
        }
    }

    init(status: HTTPResponse.Status) { self.status = status }
}

/// The identity of a file as `fstat` saw it: what revalidation compares.
struct FileIdentity: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int
    var modificationTime: Int

    init(_ status: stat) {
        self.device = UInt64(status.st_dev)
        self.inode = UInt64(status.st_ino)
        self.size = Int(status.st_size)
        self.modificationTime = Int(status.st_mtim.tv_sec)
    }

    var entityTag: EntityTag {
        EntityTag(inode: self.inode, size: self.size, modificationTime: self.modificationTime)
    }
}

/// A regular file opened and described, with the precompressed siblings found beside it.
struct OpenedFile: Sendable {
    var path: String
    var identity: FileIdentity
    var file: OpenFile
    /// The whole file, when it is small enough to keep: written with the head in one `writev`.
    var contents: ByteBuffer?
    var siblings: [(coding: ContentCoding, file: OpenedFile)] = []

    /// Opens and fstats `path`, reading it whole when it is at most `inMemoryLimit` bytes: nil with errno
    /// set on failure, `.failure` when it is not a regular file.
    static func opening(_ path: String, flags: CInt, inMemoryLimit: Int) -> Result<OpenedFile, FileSystemFailure>? {
        let descriptor = open(path, flags)
        guard descriptor >= 0 else { return nil }
        let file = OpenFile(takingOwnershipOf: descriptor)
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            return .failure(.notFound)
        }
        let identity = FileIdentity(status)
        var contents: ByteBuffer?
        if identity.size <= inMemoryLimit {
            contents = ThreadPoolFileReader.read(
                descriptor,
                offset: 0,
                count: identity.size,
                allocator: ByteBufferAllocator()
            )
        }
        return .success(OpenedFile(path: path, identity: identity, file: file, contents: contents))
    }

    /// The representation this file (or sibling) is, with the resource's `contentType`.
    func representation(contentType: String, coding: ContentCoding?, variesByEncoding: Bool) -> Representation {
        Representation(
            source: self.contents.map { .memory($0) } ?? .file(self.file),
            size: self.identity.size,
            contentType: contentType,
            contentCoding: coding,
            variesByEncoding: variesByEncoding,
            entityTag: self.identity.entityTag,
            lastModified: self.identity.modificationTime
        )
    }
}
