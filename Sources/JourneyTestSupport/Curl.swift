import Foundation
import Subprocess
import SystemPackage

/// Runs the real curl against a test server: what a user's client sees, headers and all.
public struct Curl: Sendable {
    /// What curl received.
    public struct Result: Sendable {
        /// The final response's status code.
        public var status: Int
        /// The protocol of the final response as curl prints it (`HTTP/1.1`, `HTTP/2`).
        public var version: String
        /// The final response's fields, names lower-cased (repeated fields joined with ", ").
        public var headers: [String: String]
        /// The body bytes.
        public var body: Data
        /// The trailer fields that followed the body (HTTP/2, or chunked HTTP/1.1 without `--raw`), names lower-cased.
        public var trailers: [String: String]
        /// curl's exit status: 0, or why the transfer failed (55 and 56: the connection was reset).
        public var exitStatus: Int32
        /// The body as UTF-8 text.
        public var text: String { String(decoding: self.body, as: UTF8.self) }
    }

    /// Whether curl is installed; tests that need it say so with `.requires(.curl)`.
    public static var isInstalled: Bool { ExternalTool.curl.isInstalled }

    /// Runs `curl -s -D - ARGUMENTS` (60 s at most) and parses the last response.
    public static func run(_ arguments: [String]) async throws -> Result {
        let output = try await Process.output(
            of: try ExternalTool.curl.require(),
            // A bound on the whole transfer: a server that never answers fails the test instead of hanging it.
            arguments: ["-s", "-S", "--max-time", "60", "-D", "/dev/stderr", "-o", "-"] + arguments
        )
        let headerText = String(decoding: output.standardError, as: UTF8.self)
        // With redirects or 100-continue there are several heads; the last one is the answer.
        let blocks = headerText.components(separatedBy: "\r\n\r\n")
        let heads = blocks.filter { $0.hasPrefix("HTTP/") }
        guard let last = heads.last else {
            throw CurlError(message: "curl printed no response head: \(headerText)")
        }
        var lines = last.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        func fields(_ lines: some Sequence<String>) -> [String: String] {
            var fields: [String: String] = [:]
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                fields[name] = fields[name].map { $0 + ", " + value } ?? value
            }
            return fields
        }
        // curl prints trailers after the last head, as a block of their own.
        let afterLast = blocks.lastIndex(of: last).map { blocks[($0 + 1)...] } ?? []
        let trailerLines = afterLast.flatMap { $0.components(separatedBy: "\r\n") }
        return Result(
            status: statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0,
            version: statusLine.first.map(String.init) ?? "",
            headers: fields(lines),
            body: output.standardOutput,
            trailers: fields(trailerLines),
            exitStatus: output.status
        )
    }

    /// The URL of `path` on a test server's port.
    public static func url(_ path: String, port: Int) -> String {
        "http://127.0.0.1:\(port)\(path)"
    }
}

/// curl failed or printed something unexpected.
public struct CurlError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    public var description: String { self.message }
}

extension Process {
    /// What a finished process wrote and how it ended.
    public struct Output: Sendable {
        /// Standard output.
        public var standardOutput: Data
        /// Standard error.
        public var standardError: Data
        /// The exit status.
        public var status: Int32
    }

    /// Runs `executable` (looked up on PATH unless it is a path) with `input` on its standard input and waits
    /// for it without blocking a thread.
    ///
    /// swift-subprocess launches it, not `Process.run()`: Foundation's launch on Linux reads past the end of a
    /// buffer while it lists /proc/self/fd (AddressSanitizer shows it on every launch), and crashed now and then.
    public static func output(of executable: String, arguments: [String], input: Data? = nil) async throws -> Output {
        let program: Executable = executable.contains("/") ? .path(FilePath(executable)) : .name(executable)
        let limit = 256 * 1024 * 1024
        let result = try await Subprocess.run(
            program,
            arguments: Arguments(arguments),
            input: .data(input ?? Data()),
            output: .data(limit: limit),
            error: .data(limit: limit)
        )
        let status: Int32
        switch result.terminationStatus {
        case .exited(let code): status = code
        case .signaled(let signal): status = 128 + signal
        }
        return Output(standardOutput: result.standardOutput, standardError: result.standardError, status: status)
    }
}
