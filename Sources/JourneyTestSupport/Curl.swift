import Foundation

/// Runs the real curl against a test server: what a user's client sees, headers and all.
public struct Curl: Sendable {
    /// What curl received.
    public struct Result: Sendable {
        /// The final response's status code.
        public var status: Int
        /// The final response's fields, names lower-cased (repeated fields joined with ", ").
        public var headers: [String: String]
        /// The body bytes.
        public var body: Data
        /// The body as UTF-8 text.
        public var text: String { String(decoding: self.body, as: UTF8.self) }
    }

    /// Whether curl is installed; tests that need it say so when it is not.
    public static var isInstalled: Bool {
        ["/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl"].contains {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Runs `curl -s -D - ARGUMENTS` and parses the last response.
    public static func run(_ arguments: [String]) async throws -> Result {
        let output = try await Process.output(
            of: "curl",
            arguments: ["-s", "-S", "-D", "/dev/stderr", "-o", "-"] + arguments
        )
        let headerText = String(decoding: output.standardError, as: UTF8.self)
        // With redirects or 100-continue there are several heads; the last one is the answer.
        let heads = headerText.components(separatedBy: "\r\n\r\n").filter { $0.hasPrefix("HTTP/") }
        guard let last = heads.last else {
            throw CurlError(message: "curl printed no response head: \(headerText)")
        }
        var lines = last.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        return Result(
            status: statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0,
            headers: headers,
            body: output.standardOutput
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
    private static let launches = NSLock()

    /// `run()`, one launch at a time in this process: Foundation's `Process.run()` on Linux was seen to crash
    /// (a bad memcpy inside it) with several tests launching curl, redis-cli and journey at once.
    public func runSerially() throws {
        try Self.launches.withLock { try self.run() }
    }

    /// What a finished process wrote and how it ended.
    public struct Output: Sendable {
        /// Standard output.
        public var standardOutput: Data
        /// Standard error.
        public var standardError: Data
        /// The exit status.
        public var status: Int32
    }

    /// Runs `executable` (looked up on PATH) with `input` on its standard input and waits for it without
    /// blocking a thread.
    public static func output(of executable: String, arguments: [String], input: Data? = nil) async throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let outputPipe = Pipe()
        let errorPipe = Pipe()
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        let inputPipe = input.map { _ in Pipe() }
        if let inputPipe { process.standardInput = inputPipe }
        // Read both pipes while the process runs, so a large output cannot fill a pipe and stall it.
        async let standardOutput = Self.readToEnd(outputPipe.fileHandleForReading)
        async let standardError = Self.readToEnd(errorPipe.fileHandleForReading)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.runSerially()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
            try? outputPipe.fileHandleForWriting.close()
            try? errorPipe.fileHandleForWriting.close()
            if let input, let inputPipe {
                let writer = inputPipe.fileHandleForWriting
                Thread.detachNewThread {
                    try? writer.write(contentsOf: input)
                    try? writer.close()
                }
            }
        }
        return Output(standardOutput: await standardOutput, standardError: await standardError, status: status)
    }

    private static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: (try? handle.readToEnd()) ?? Data())
            }
        }
    }
}
