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
    /// Files up to this size are kept in memory and written with the response head in one `writev`;
    /// larger ones go by `sendfile` (a separate syscall and, with TCP_NODELAY, a separate segment).
    public var inMemoryLimit: Int

    /// Creates options with nginx-like defaults: `index.html`, no listing, no dotfiles, no escaping symlinks.
    public init(
        root: String,
        indexFile: String? = "index.html",
        listsDirectories: Bool = false,
        servesDotfiles: Bool = false,
        followsSymlinks: Bool = false,
        cacheControl: String? = nil,
        openFileCacheCapacity: Int = 1024,
        inMemoryLimit: Int = 64 * 1024
    ) {
        self.root = root
        self.indexFile = indexFile
        self.listsDirectories = listsDirectories
        self.servesDotfiles = servesDotfiles
        self.followsSymlinks = followsSymlinks
        self.cacheControl = cacheControl
        self.openFileCacheCapacity = openFileCacheCapacity
        self.inMemoryLimit = inMemoryLimit
    }
}
