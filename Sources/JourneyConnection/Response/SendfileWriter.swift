import JourneyCore
import NIOCore

/// The one place a file body is handed to the kernel (sendfile, through NIO's `FileRegion`): HTTP/1.1's request
/// handler and its fast path both write files through it, so the descriptor is owned one way.
///
/// NIO's `FileRegion` wants a `NIOFileHandle`, which would close the descriptor; the descriptor belongs to the
/// slice's `OpenFile` (shared with the open-file cache), so it is only lent for the write and taken back once the
/// write completes, and the slice is kept alive until then even if the cache lets go of the file meanwhile.
package enum SendfileWriter {
    /// Calls `write` with a region of `slice` and the promise its write completes; takes the descriptor back then.
    package static func write(
        _ slice: FileSlice,
        on eventLoop: any EventLoop,
        _ write: (FileRegion, EventLoopPromise<Void>) -> Void
    ) {
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: slice.file.descriptor)
        let region = FileRegion(fileHandle: handle, readerIndex: slice.offset, endIndex: slice.offset + slice.count)
        let sent = eventLoop.makePromise(of: Void.self)
        write(region, sent)
        sent.futureResult.assumeIsolated().whenComplete { _ in
            _ = try? handle.takeDescriptorOwnership()
            withExtendedLifetime(slice) {}
        }
    }
}
