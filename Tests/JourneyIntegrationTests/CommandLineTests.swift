import Foundation
import Journey
import JourneyTestSupport
import NIOConcurrencyHelpers
import Subprocess
import SystemPackage
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
            "--drain-timeout", "--access-log-format", "--no-journey", "--server-timing", "--metrics", "--admin",
            "--dashboard", "--dashboard-public", "--tls-cert", "--tls-key", "--dev-tls", "--http-redirect", "--h2c",
            "--h2-max-streams",
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

    @Test func theJourneyAccessLogAndServerTimingFromTheCommandLine() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("hello\n", to: "page.txt")
        let log = directory.path + "/access.log"
        let running = try RunningJourney(arguments: [
            directory.path, "--port", "0", "--access-log", log, "--access-log-format", "journey", "--server-timing",
            "--metrics",
        ])
        let port = try await running.port()
        let page = try await Curl.run([Curl.url("/page.txt", port: port)])
        #expect(page.headers["server-timing"]?.hasPrefix("read;dur=") == true)
        #expect(try await Curl.run([Curl.url("/metrics", port: port)]).text.contains("journey_requests_total"))
        // A folder is served without the dashboard unless it is asked for.
        #expect(try await Curl.run([Curl.url("/_journey/", port: port)]).status == 404)
        #expect(await running.terminate() == 0)
        let first = try #require(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").first)
        let object = try #require(JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect(object["request"] as? String == "GET /page.txt HTTP/1.1")
        #expect(object["status"] as? Int == 200)
        let stages = try #require(object["journey_us"] as? [String: Int])
        #expect(Set(stages.keys) == ["total", "read", "parse", "decode", "process", "write"])
    }

    @Test func theDemoServesTheDashboardToLoopback() async throws {
        let running = try RunningJourney(arguments: ["--port", "0"])
        let port = try await running.port()
        #expect(try await Curl.run([Curl.url("/_journey/", port: port)]).text.contains("Journey — live"))
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

    @Test func certMakesADevelopmentCertificateThatServeDevTLSUses() async throws {
        let home = try TemporaryDirectory()
        let environment = ["XDG_DATA_HOME": home.path]
        let made = try await Subprocess.run(
            .path(FilePath(JourneyBinary.url!.path)),
            arguments: ["cert", "--host", "localhost"],
            environment: .inherit.updating(["XDG_DATA_HOME": home.path]),
            output: .string(limit: 1 << 16)
        )
        let folder = home.path + "/journey/dev-tls"
        #expect(made.standardOutput.contains(folder))
        #expect(made.standardOutput.contains("update-ca-certificates"), "it tells how to trust the authority")
        let running = try RunningJourney(arguments: ["--dev-tls", "--port", "0"], environment: environment)
        let port = try await running.port()
        let page = try await Curl.run(["--cacert", folder + "/ca.pem", "https://localhost:\(port)/"])
        #expect(page.status == 200 && page.version == "HTTP/2")
        #expect(await running.terminate() == 0)
    }

    @Test func serveDevTLSMakesTheCertificateWhenThereIsNone() async throws {
        let home = try TemporaryDirectory()
        let running = try RunningJourney(
            arguments: ["--dev-tls", "--port", "0"],
            environment: ["XDG_DATA_HOME": home.path]
        )
        let port = try await running.port()
        let page = try await Curl.run([
            "--cacert", home.path + "/journey/dev-tls/ca.pem", "--http1.1", "https://127.0.0.1:\(port)/",
        ])
        #expect(page.status == 200 && page.version == "HTTP/1.1")
        #expect(await running.terminate() == 0)
    }

    @Test func sighupReloadsTheCertificateWithoutRestarting() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("hello\n", to: "site/page.txt")
        let certificate = try DevelopmentCertificate(folder: directory.path + "/tls").create(hosts: ["localhost"])
        let running = try RunningJourney(arguments: [
            directory.path + "/site", "--port", "0", "--tls-cert", certificate.certificatePath, "--tls-key",
            certificate.privateKeyPath,
        ])
        let port = try await running.port()
        // The renewed certificate is for a name the first one lacked: reaching it by that name proves the swap.
        let renamed = ["--cacert", certificate.authorityPath, "--resolve", "renewed.test:\(port):127.0.0.1"]
        #expect(try await Curl.run(renamed + ["https://localhost:\(port)/page.txt"]).text == "hello\n")
        await #expect(throws: (any Error).self) {
            try await Curl.run(renamed + ["https://renewed.test:\(port)/page.txt"])
        }
        try certificate.create(hosts: ["localhost", "renewed.test"])
        running.signal(SIGHUP)
        try await running.waitForLog(containing: "certificate reloaded")
        #expect(try await Curl.run(renamed + ["https://renewed.test:\(port)/page.txt"]).text == "hello\n")
        #expect(await running.terminate() == 0, "SIGHUP reloads; it does not stop the server")
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
    private let output: OutputLines
    private let errors: OutputLines

    init(executable: String? = nil, arguments: [String], environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = executable.map { URL(fileURLWithPath: $0) } ?? JourneyBinary.url
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        self.output = OutputLines()
        self.errors = OutputLines()
        process.standardOutput = self.output.pipe
        process.standardError = self.errors.pipe
        try process.runSerially()
        self.process = process
    }

    /// Waits for `journey serving … on http(s)://HOST:PORT/` and returns PORT.
    func port() async throws -> Int {
        let line = try await self.output.first { $0.contains(/on https?:\/\/[^:]+:\d+\//) }
        guard let match = line.firstMatch(of: /on https?:\/\/[^:]+:(\d+)\//), let port = Int(match.1) else {
            throw JourneyExited()
        }
        return port
    }

    /// Waits for a line on standard error that contains `text` (the server's log).
    func waitForLog(containing text: String) async throws {
        _ = try await self.errors.first { $0.contains(text) }
    }

    /// The process's peak resident memory so far (VmHWM), or nil where /proc does not tell.
    var peakResidentBytes: Int? {
        let path = "/proc/\(self.process.processIdentifier)/status"
        guard let status = try? String(contentsOfFile: path, encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kibibytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kibibytes * 1024
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

/// One output pipe of a child process, split into lines as they arrive and kept for later reading.
private final class OutputLines: Sendable {
    let pipe = Pipe()
    private let state = NIOLockedValueBox(State())

    fileprivate struct State {
        var pending = Data()
        var lines: [String] = []
        var finished = false
        var waiters: [(predicate: @Sendable (String) -> Bool, continuation: CheckedContinuation<String, any Error>)] =
            []
    }

    init() {
        let state = self.state
        self.pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            let ready = state.withLockedValue { state in
                if data.isEmpty {
                    handle.readabilityHandler = nil
                    state.finished = true
                } else {
                    state.pending.append(data)
                    while let newline = state.pending.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = state.pending[state.pending.startIndex..<newline]
                        state.lines.append(String(decoding: line, as: UTF8.self))
                        state.pending.removeSubrange(state.pending.startIndex...newline)
                    }
                }
                return state.resolveWaiters()
            }
            for (continuation, result) in ready { continuation.resume(with: result) }
        }
    }

    /// The first line (already written or still to come) that satisfies `predicate`.
    func first(where predicate: @escaping @Sendable (String) -> Bool) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            let ready = self.state.withLockedValue { state in
                state.waiters.append((predicate, continuation))
                return state.resolveWaiters()
            }
            for (continuation, result) in ready { continuation.resume(with: result) }
        }
    }
}

extension OutputLines.State {
    /// Takes the waiters whose line has arrived, or all of them once the pipe has closed.
    fileprivate mutating func resolveWaiters() -> [(CheckedContinuation<String, any Error>, Result<String, any Error>)]
    {
        var ready: [(CheckedContinuation<String, any Error>, Result<String, any Error>)] = []
        self.waiters.removeAll { waiter in
            if let line = self.lines.first(where: waiter.predicate) {
                ready.append((waiter.continuation, .success(line)))
                return true
            }
            if self.finished {
                ready.append((waiter.continuation, .failure(JourneyExited())))
                return true
            }
            return false
        }
        return ready
    }
}
