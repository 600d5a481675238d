import Foundation

/// A fresh folder under the system's temporary directory, removed when the test is done with it.
public final class TemporaryDirectory: Sendable {
    /// The folder's absolute path.
    public let path: String

    /// Creates an empty folder.
    public init() throws {
        let path = NSTemporaryDirectory() + "journey-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        self.path = path
    }

    /// Writes `contents` to `relativePath`, creating folders on the way.
    @discardableResult
    public func write(_ contents: String, to relativePath: String) throws -> String {
        try self.write(Data(contents.utf8), to: relativePath)
    }

    /// Writes `data` to `relativePath`, creating folders on the way.
    @discardableResult
    public func write(_ data: Data, to relativePath: String) throws -> String {
        let full = self.path + "/" + relativePath
        let folder = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: full))
        return full
    }

    deinit {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}
