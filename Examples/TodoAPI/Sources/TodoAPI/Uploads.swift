import Journey
import NIOCore
import _NIOFileSystem

/// Where uploads go: each body is written to the folder as it arrives, a few pieces in memory at a time, through
/// NIO's file system (its own threads), so neither the event loops nor the memory notice a large one.
public struct Uploads: Sendable {
    /// The folder.
    public let directory: String

    /// Uploads into `directory` (`prepare()` creates it).
    public init(directory: String) {
        self.directory = directory
    }

    /// Creates the folder if it is missing.
    public func prepare() async throws {
        try await FileSystem.shared.createDirectory(
            at: FilePath(self.directory),
            withIntermediateDirectories: true
        )
    }

    /// Writes `body` to the folder as `name`, replacing a file of that name; a name that is not one plain file name
    /// (a `/`, a leading dot, a NUL, too long) is a 400. A body that fails (over the limit) leaves no file behind.
    public func save(_ body: RequestBody, as name: String) async throws -> Int {
        guard Self.isPlainFileName(name) else {
            throw HTTPError(.badRequest, detail: "An upload's name is one file name: no '/', no leading '.'.")
        }
        let path = FilePath(self.directory).appending(name)
        return try await FileSystem.shared.withFileHandle(
            forWritingAt: path,
            options: .newFile(replaceExisting: true)
        ) { file in
            var writer = file.bufferedWriter()
            var written = 0
            for try await piece in body {
                written += piece.readableBytes
                try await writer.write(contentsOf: piece)
            }
            try await writer.flush()
            return written
        }
    }

    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255 && !name.hasPrefix(".") && !name.contains("/")
            && !name.contains("\0") && !name.contains("\\")
    }
}
