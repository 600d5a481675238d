import Foundation
import Testing

/// A program the tests run as a real client or peer (curl, nghttp, promtool, ss, redis-cli, redis-server).
///
/// Outside CI a missing one skips the tests that need it, saying which and how to install it. Under CI (`CI=true`,
/// as `.ci/run` is run) nothing is skipped for a missing tool: the test runs and fails with the tool's name, so a
/// green CI never hides a suite that did not run.
public struct ExternalTool: Sendable, CustomStringConvertible {
    /// The program's name, looked up on PATH.
    public let name: String
    /// The Debian package that installs it.
    public let package: String

    /// curl: the HTTP/1.1, HTTP/2 and TLS client.
    public static let curl = ExternalTool(name: "curl", package: "curl")
    /// nghttp: multiplexes HTTP/2 streams on one connection.
    public static let nghttp = ExternalTool(name: "nghttp", package: "nghttp2-client")
    /// promtool: checks the Prometheus exposition.
    public static let promtool = ExternalTool(name: "promtool", package: "prometheus")
    /// ss: the kernel's view of the accept queue.
    public static let ss = ExternalTool(name: "ss", package: "iproute2")
    /// redis-cli: a real RESP client.
    public static let redisCLI = ExternalTool(name: "redis-cli", package: "redis-tools")
    /// redis-server: the RESP listener's answers are compared with it.
    public static let redisServer = ExternalTool(name: "redis-server", package: "redis-server")

    /// haproxy: the load balancer in front of several instances.
    public static let haproxy = ExternalTool(name: "haproxy", package: "haproxy")

    /// wrk: HTTP load, to show that nothing fails while the server changes under it.
    public static let wrk = ExternalTool(name: "wrk", package: "wrk")

    /// python3: stands in for systemd, handing journey a listening socket.
    public static let python = ExternalTool(name: "python3", package: "python3")

    /// brotli: decodes what the server compressed with Brotli.
    public static let brotli = ExternalTool(name: "brotli", package: "brotli")
    /// zstd: decodes what the server compressed with Zstandard.
    public static let zstd = ExternalTool(name: "zstd", package: "zstd")

    /// openssl: makes a password hash in the README's example.
    public static let openssl = ExternalTool(name: "openssl", package: "openssl")

    /// Whether the tests run under CI, where a missing tool is a failure.
    public static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    public var description: String { "\(self.name) is not installed (apt-get install \(self.package))" }

    /// The program's path, when it is installed.
    public var path: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        return directories.map { "\($0)/\(self.name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether the program is installed.
    public var isInstalled: Bool { self.path != nil }

    /// The program's path, for a check that is one part of a test; nil when it is not installed, which under CI
    /// also fails the test (outside CI the part is left out).
    public func locate(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        guard let path = self.path else {
            if Self.isCI { Issue.record("\(self)", sourceLocation: sourceLocation) }
            return nil
        }
        return path
    }

    /// The program's path; throws `Missing` with its name when it is not installed.
    public func require() throws -> String {
        guard let path = self.path else { throw Missing(tool: self) }
        return path
    }

    /// A test needed a program that is not installed.
    public struct Missing: Error, CustomStringConvertible {
        /// The program.
        public var tool: ExternalTool
        public var description: String { self.tool.description }
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test or suite when `tools` are installed; otherwise skips it with their names, except under CI,
    /// where it runs and fails on the first one missing (`ExternalTool.require()`).
    public static func requires(_ tools: ExternalTool...) -> Self {
        let missing = tools.filter { !$0.isInstalled }
        let reason = missing.map(\.description).joined(separator: "; ")
        return .enabled(if: missing.isEmpty || ExternalTool.isCI, Comment(rawValue: reason))
    }
}
