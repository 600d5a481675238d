/// How a folder is served: the `journey serve` flags that shape the Process stage for files.
public struct StaticFileOptions: Sendable {
    /// The folder to serve.
    public var root: String
    /// The file served for a directory URL (`/dir/`); nil serves none.
    public var indexFile: String?
    /// Whether a directory without an index gets an HTML listing (otherwise 403, as nginx).
    public var listsDirectories: Bool
    /// Whether names starting with `.` are served (otherwise 404: `.git`, `.env` stay private).
    public var servesDotfiles: Bool
    /// Whether symlinks that lead outside the root are followed (otherwise 404).
    public var followsSymlinks: Bool
    /// A `Cache-Control` value added to every file response.
    public var cacheControl: String?
    /// How many open files the open-file cache keeps.
    public var openFileCacheCapacity: Int
    /// Files up to this size are kept in memory and written with the response head in one write; larger ones go
    /// by `sendfile` (over TLS and HTTP/2, read in chunks).
    public var inMemoryLimit: Int
    /// Files above this size go by `sendfile` over plain HTTP/1.1 even when kept in memory (for TLS and HTTP/2):
    /// past a few pages the copy into the socket costs more than the extra syscalls (a 64 KiB file with the 16 KiB
    /// default: 0.96x → 1.04x nginx's requests per CPU-second, Benchmarks/RESULTS.md). nil never does.
    public var sendfileMinimum: Int?

    /// Creates options with nginx-like defaults: `index.html`, no listing, no dotfiles, no escaping symlinks.
    public init(
        root: String,
        indexFile: String? = "index.html",
        listsDirectories: Bool = false,
        servesDotfiles: Bool = false,
        followsSymlinks: Bool = false,
        cacheControl: String? = nil,
        openFileCacheCapacity: Int = 1024,
        inMemoryLimit: Int = 64 * 1024,
        sendfileMinimum: Int? = 16 * 1024
    ) {
        self.root = root
        self.indexFile = indexFile
        self.listsDirectories = listsDirectories
        self.servesDotfiles = servesDotfiles
        self.followsSymlinks = followsSymlinks
        self.cacheControl = cacheControl
        self.openFileCacheCapacity = openFileCacheCapacity
        self.inMemoryLimit = inMemoryLimit
        self.sendfileMinimum = sendfileMinimum
    }
}
