import JourneyCore
import NIOConcurrencyHelpers
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes access log lines to a file or standard output without blocking an event loop.
///
/// Event loops only append to a buffer under a lock; one background thread swaps the buffer out and
/// writes it, so the lock is never held across I/O and a slow disk never stalls a request.
public final class AccessLogWriter: AccessLogSink, @unchecked Sendable {
    // @unchecked: `descriptor` is immutable; `buffer` and `closed` are guarded by `condition`.
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let condition = ConditionLock(value: false)
    private let finished = ConditionLock(value: false)
    private var buffer: [UInt8] = []
    private var closed = false
    /// Where in `buffer` `reopen()` was asked for (lines before it go to the old file), until the thread does it.
    private var reopenAt: Int?
    /// One dedicated thread (Foundation's Thread would pull full Foundation, and ICU, into the binary).
    private let thread = NIOThreadPool(numberOfThreads: 1)

    /// The line format.
    package let format: AccessLogFormat
    /// The file written (`-`: standard output): a reload that names the same file keeps this writer.
    package let path: String

    /// Appends `format` lines to `path`, creating it if needed; `"-"` writes to standard output.
    public init(path: String, format: AccessLogFormat = .combined) throws {
        self.format = format
        self.path = path
        if path == "-" {
            self.descriptor = STDOUT_FILENO
            self.ownsDescriptor = false
        } else {
            let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw AccessLogError(path: path, errno: errno)
            }
            self.descriptor = descriptor
            self.ownsDescriptor = true
        }
        // The thread holds the writer until `close()`; a writer is made once per server.
        self.thread.start()
        self.thread.submit { _ in self.drain() }
    }

    /// Queues `entry`'s line; returns at once.
    public func record(_ entry: AccessLogEntry) {
        let line = self.format.line(for: entry)
        self.condition.lock()
        self.buffer.append(contentsOf: line.utf8)
        self.condition.unlock(withValue: true)
    }

    /// Opens the file again by its path, on the writer thread, after what is queued (SIGUSR1, as nginx's `-s
    /// reopen`): logrotate moves the file away and the next lines go to a new one, no line lost and none copied.
    public func reopen() {
        self.condition.lock()
        if self.reopenAt == nil { self.reopenAt = self.buffer.count }
        self.condition.unlock(withValue: true)
    }

    /// Writes what is queued and stops the writer thread.
    public func close() {
        self.condition.lock()
        self.closed = true
        self.condition.unlock(withValue: true)
        self.finished.lock(whenValue: true)
        self.finished.unlock()
        try? self.thread.syncShutdownGracefully()
    }

    private func drain() {
        while true {
            self.condition.lock(whenValue: true)
            let pending = self.buffer
            let closing = self.closed
            let reopenAt = self.reopenAt
            self.reopenAt = nil
            self.buffer.removeAll(keepingCapacity: true)
            self.condition.unlock(withValue: false)
            // The lock is released: the writes may block without holding up any event loop.
            if let reopenAt {
                self.write(pending[..<reopenAt])
                if self.ownsDescriptor { self.reopenFile() }
                self.write(pending[reopenAt...])
            } else {
                self.write(pending[...])
            }
            if closing {
                if self.ownsDescriptor { _ = Glibc.close(self.descriptor) }
                self.finished.lock()
                self.finished.unlock(withValue: true)
                return
            }
        }
    }

    private func write(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(self.descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    /// Opens the path again; the new file takes the old one's descriptor number, so nothing else needs to know.
    private func reopenFile() {
        let descriptor = open(self.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        _ = dup2(descriptor, self.descriptor)
        // dup2 clears close-on-exec on the descriptor it replaces.
        _ = fcntl(self.descriptor, F_SETFD, FD_CLOEXEC)
        _ = Glibc.close(descriptor)
    }
}

/// The access log file could not be opened.
public struct AccessLogError: Error, CustomStringConvertible {
    /// The path that was asked for.
    public var path: String
    /// The errno of open(2).
    public var errno: CInt

    public var description: String {
        "cannot open the access log \(self.path): \(String(cString: strerror(self.errno)))"
    }
}
