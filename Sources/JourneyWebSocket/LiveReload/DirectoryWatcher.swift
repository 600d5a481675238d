import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Tells when anything under a folder changes: Linux inotify, one watch per directory (new directories are
/// watched as they appear), its descriptor read by an event loop like any socket, so nothing polls or blocks.
package final class DirectoryWatcher: Sendable {
    /// Why watching could not start.
    package struct Unavailable: Error, CustomStringConvertible {
        /// What went wrong.
        package let description: String
    }

    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Starts watching `root` and everything below it; `changed` gets the path of each file that is written,
    /// created, removed or renamed, on `eventLoop`. Directory walks and new watches run on `threadPool`.
    package static func watch(
        _ root: String,
        on eventLoop: any EventLoop,
        threadPool: NIOThreadPool,
        changed: @escaping @Sendable (String) -> Void
    ) async throws -> DirectoryWatcher {
        #if os(Linux)
        let descriptor = inotify_init1(CInt(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { throw Unavailable(description: "inotify_init1: errno \(errno)") }
        let watches = InotifyWatches(descriptor: descriptor)
        try await threadPool.runIfActive(eventLoop: eventLoop) { watches.addTree(root) }.get()
        let channel = try await NIOPipeBootstrap(group: eventLoop)
            // inotify hands over whole events only: a read buffer smaller than one fails with EINVAL.
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 64 << 10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        InotifyEventHandler(watches: watches, threadPool: threadPool, changed: changed)
                    )
                }
            }
            .takingOwnershipOfDescriptor(input: descriptor).get()
        return DirectoryWatcher(channel: channel)
        #else
        throw Unavailable(description: "watching a folder needs Linux inotify")
        #endif
    }

    /// Stops watching.
    package func stop() async {
        try? await self.channel.close()
    }
}

#if os(Linux)
/// The watch descriptors and the directories they stand for. Touched from the thread pool (adding) and the event
/// loop (looking up), so behind a lock, never held across anything but the table.
final class InotifyWatches: Sendable {
    let descriptor: CInt
    private let paths = NIOLockedValueBox([CInt: String]())
    static let mask = UInt32(
        IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF
    )

    init(descriptor: CInt) {
        self.descriptor = descriptor
    }

    /// Watches `directory` and every directory below it (blocking: on the thread pool).
    func addTree(_ directory: String) {
        let watch = inotify_add_watch(self.descriptor, directory, Self.mask | UInt32(IN_ONLYDIR))
        guard watch >= 0 else { return }
        self.paths.withLockedValue { $0[watch] = directory }
        guard let stream = opendir(directory) else { return }
        defer { closedir(stream) }
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != "..", entry.pointee.d_type == UInt8(DT_DIR) else { continue }
            self.addTree(directory + "/" + name)
        }
    }

    func path(of watch: CInt) -> String? {
        self.paths.withLockedValue { $0[watch] }
    }

    func remove(_ watch: CInt) {
        _ = self.paths.withLockedValue { $0.removeValue(forKey: watch) }
    }
}

/// Reads inotify events (`struct inotify_event`: wd, mask, cookie, len, then a NUL-padded name) and reports them.
final class InotifyEventHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let watches: InotifyWatches
    private let threadPool: NIOThreadPool
    private let changed: @Sendable (String) -> Void

    init(watches: InotifyWatches, threadPool: NIOThreadPool, changed: @escaping @Sendable (String) -> Void) {
        self.watches = watches
        self.threadPool = threadPool
        self.changed = changed
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = Self.unwrapInboundIn(data)
        while let watch = buffer.readInteger(endianness: .host, as: Int32.self),
            let mask = buffer.readInteger(endianness: .host, as: UInt32.self),
            buffer.readInteger(endianness: .host, as: UInt32.self) != nil,
            let length = buffer.readInteger(endianness: .host, as: UInt32.self),
            let nameBytes = buffer.readBytes(length: Int(length))
        {
            let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
            guard let directory = self.watches.path(of: watch) else { continue }
            if mask & UInt32(IN_IGNORED) != 0 {
                self.watches.remove(watch)
                continue
            }
            let path = name.isEmpty ? directory : directory + "/" + name
            if mask & UInt32(IN_ISDIR) != 0, mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
                let watches = self.watches
                self.threadPool.submit { _ in watches.addTree(path) }
            }
            self.changed(path)
        }
    }
}

@available(*, unavailable)
extension InotifyEventHandler: Sendable {}
#endif
