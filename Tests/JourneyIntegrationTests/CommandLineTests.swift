import Foundation
import JourneyTestSupport
import NIOConcurrencyHelpers
import Testing

/// The `journey` binary itself: flags, the printed port, the embedded site and a clean exit on SIGTERM.
@Suite(.enabled(if: Curl.isInstalled && JourneyBinary.url != nil, "needs curl and a built journey binary"))
struct CommandLineTests {
    @Test func helpListsEveryServingFlag() async throws {
        let output = try await Process.output(of: JourneyBinary.url!.path, arguments: ["--help"])
        let help = String(decoding: output.standardOutput, as: UTF8.self)
        for flag in [
            "--host", "--port", "--backlog", "--threads", "--accept", "--index", "--browse", "--cache-control",
            "--access-log", "--log-level", "--dotfiles", "--follow-symlinks", "--max-header-size", "--max-body-size",
            "--drain-timeout",
        ] {
            #expect(help.contains(flag), "\(flag) missing from --help")
        }
        #expect(output.status == 0)
    }

    @Test func servesAFolderOnAPrintedPortAndExitsCleanlyOnSIGTERM() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("from the cli\n", to: "page.txt")
        let running = try RunningJourney(arguments: ["serve", directory.path, "--port", "0", "--browse"])
        let port = try await running.port()
        #expect(try await Curl.run([Curl.url("/page.txt", port: port)]).text == "from the cli\n")
        #expect(try await Curl.run([Curl.url("/", port: port)]).text.contains("page.txt"))
        #expect(await running.terminate() == 0)
    }

    @Test func servesTheEmbeddedSiteWithNoArguments() async throws {
        let running = try RunningJourney(arguments: ["--port", "0"])
        let port = try await running.port()
        let home = try await Curl.run([Curl.url("/", port: port)])
        #expect(home.status == 200)
        #expect(home.text.contains("Journey"))
        #expect(await running.terminate() == 0)
    }

    @Test func refusesAMissingFolder() async throws {
        let output = try await Process.output(
            of: JourneyBinary.url!.path,
            arguments: ["/no/such/folder", "--port", "0"]
        )
        #expect(output.status != 0)
        #expect(String(decoding: output.standardError, as: UTF8.self).contains("/no/such/folder"))
    }
}

/// Where `swift build` put the `journey` executable.
enum JourneyBinary {
    static let url: URL? = {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var candidates = [testBinary.deletingLastPathComponent().appendingPathComponent("journey")]
        // …/Tests/JourneyIntegrationTests/CommandLineTests.swift → the package root's .build/debug.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/journey"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()
}

/// A `journey` process whose first output line names its port.
final class RunningJourney: Sendable {
    private let process: Process
    private let lines: AsyncStream<String>
    private let errors: Pipe

    init(executable: String? = nil, arguments: [String]) throws {
        let process = Process()
        process.executableURL = executable.map { URL(fileURLWithPath: $0) } ?? JourneyBinary.url
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        self.errors = Pipe()
        process.standardError = self.errors
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        let buffer = LineBuffer()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                continuation.finish()
                return
            }
            for line in buffer.append(data) { continuation.yield(line) }
        }
        try process.run()
        self.process = process
        self.lines = lines
    }

    /// Waits for `journey serving … on http://HOST:PORT/` and returns PORT.
    func port() async throws -> Int {
        for await line in self.lines {
            if let match = line.firstMatch(of: /on http:\/\/[^:]+:(\d+)\//), let port = Int(match.1) {
                return port
            }
        }
        throw JourneyExited()
    }

    /// What the process wrote to standard error (read once it has exited).
    var standardError: String {
        String(decoding: (try? self.errors.fileHandleForReading.readToEnd()) ?? Data(), as: UTF8.self)
    }

    /// Sends `signal` to the process.
    func signal(_ signal: Int32) {
        kill(self.process.processIdentifier, signal)
    }

    /// Waits for the process to exit (killing it after 60 s, so a hang fails rather than stalls).
    func exitStatus() async -> Int32 {
        let process = self.process
        let killer = Task {
            try await Task.sleep(for: .seconds(60))
            kill(process.processIdentifier, SIGKILL)
        }
        defer { killer.cancel() }
        return await withCheckedContinuation { continuation in
            // Resumed once, whether the handler or the isRunning check sees the exit first.
            let once = NIOLockedValueBox<CheckedContinuation<Int32, Never>?>(continuation)
            process.terminationHandler = { once.withLockedValue { $0.take() }?.resume(returning: $0.terminationStatus) }
            if !process.isRunning {
                once.withLockedValue { $0.take() }?.resume(returning: process.terminationStatus)
            }
        }
    }

    /// Sends SIGTERM and returns the exit status; a process still alive 15 s later is killed, so a hang
    /// fails the test (status 9) instead of stalling the run.
    func terminate() async -> Int32 {
        let process = self.process
        let killer = Task {
            try await Task.sleep(for: .seconds(15))
            kill(process.processIdentifier, SIGKILL)
        }
        defer { killer.cancel() }
        return await withCheckedContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            process.terminate()
        }
    }
}

/// The process ended before it printed its port.
struct JourneyExited: Error {}

/// Splits a byte stream into lines; called from one reader thread at a time.
private final class LineBuffer: @unchecked Sendable {
    private var pending = Data()

    func append(_ data: Data) -> [String] {
        self.pending.append(data)
        var lines: [String] = []
        while let newline = self.pending.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: self.pending[self.pending.startIndex..<newline], as: UTF8.self))
            self.pending.removeSubrange(self.pending.startIndex...newline)
        }
        return lines
    }
}
