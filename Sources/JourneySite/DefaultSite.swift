import JourneyStaticFiles

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The site `journey` serves when given no folder: the seven stages explained, compiled into the binary.
package enum DefaultSite {
    /// The embedded files, path → bytes.
    package static var files: [String: [UInt8]] {
        EmbeddedSite.base64Files.compactMapValues { base64 in
            Data(base64Encoded: base64).map { Array($0) }
        }
    }

    /// A responder serving the embedded site; `modificationTime` dates every file (use the start time).
    /// The dashboard's files are left out: they are served only where the dashboard is on.
    package static func responder(modificationTime: Int) -> InMemoryFiles {
        InMemoryFiles(files: Self.files.filter { !$0.key.hasPrefix("_journey/") }, modificationTime: modificationTime)
    }
}

extension DefaultSite {
    /// Only the live dashboard's files (`_journey/…`), for servers that serve a folder of their own.
    package static func dashboard(modificationTime: Int) -> InMemoryFiles {
        InMemoryFiles(files: Self.files.filter { $0.key.hasPrefix("_journey/") }, modificationTime: modificationTime)
    }
}
