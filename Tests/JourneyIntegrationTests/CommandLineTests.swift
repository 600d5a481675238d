import Foundation
import Journey
import JourneyTestSupport
import NIOConcurrencyHelpers
import Subprocess
import SystemPackage
import Testing

/// The `journey` binary itself: flags, the printed port, the embedded site and a clean exit on SIGTERM.
@Suite(
    .requires(.curl),
    .timeLimit(.minutes(2)),
    .enabled(if: JourneyBinary.url != nil || ExternalTool.isCI, "needs the journey binary (swift build)")
)
struct CommandLineTests {
    @Test func helpListsEveryServingFlag() async throws {
        let output = try await Process.output(of: try JourneyBinary.require(), arguments: ["--help"])
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

    @Test func helpPrintsTheLibrarysDefaults() async throws {
        let output = try await Process.output(of: try JourneyBinary.require(), arguments: ["--help"])
        // Help wraps its lines: read it as one line.
        let help = String(decoding: output.standardOutput, as: UTF8.self).split(whereSeparator: \.isWhitespace)
            .joined(separator: " ")
        let defaults = Configuration()
        for value in [
            defaults.accept.backlog, defaults.http1.limits.maximumBodySize,
            defaults.http1.limits.maximumHeaderSectionSize,
            defaults.http2.limits.maximumConcurrentStreams, defaults.webSocket.options.outboundQueueLimit,
        ] {
            #expect(help.contains("(default: \(value))"), "the default \(value) missing from --help")
        }
    }

    @Test func reportsEveryWrongFlagAtOnce() async throws {
        let output = try await Process.output(
            of: try JourneyBinary.require(),
            arguments: ["--port", "70000", "--threads", "0", "--h2-max-streams", "0", "--ws-echo", "ws"]
        )
        let errors = String(decoding: output.standardError, as: UTF8.self)
        #expect(output.status != 0)
        for flag in ["--host/--port", "--threads", "--h2-max-streams", "--ws-echo"] {
            #expect(errors.contains(flag), "\(flag) not named in: \(errors)")
        }
    }

    @Test func servesAFolderOnAPrintedPortAndExitsCleanlyOnSIGTERM() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("from the cli\n", to: "page.txt")
        let running = try await RunningJourney(arguments: ["serve", directory.path, "--port", "0", "--browse"])
        let port = try await running.port()
        #expect(try await Curl.run([Curl.url("/page.txt", port: port)]).text == "from the cli\n")
        #expect(try await Curl.run([Curl.url("/", port: port)]).text.contains("page.txt"))
        #expect(await running.terminate() == 0)
    }

    @Test func theJourneyAccessLogAndServerTimingFromTheCommandLine() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("hello\n", to: "page.txt")
        let log = directory.path + "/access.log"
        let running = try await RunningJourney(arguments: [
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
        let running = try await RunningJourney(arguments: ["--port", "0"])
        let port = try await running.port()
        #expect(try await Curl.run([Curl.url("/_journey/", port: port)]).text.contains("Journey — live"))
        #expect(await running.terminate() == 0)
    }

    @Test func servesTheEmbeddedSiteWithNoArguments() async throws {
        let running = try await RunningJourney(arguments: ["--port", "0"])
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
            .path(FilePath(try JourneyBinary.require())),
            arguments: ["cert", "--host", "localhost"],
            environment: .inherit.updating(["XDG_DATA_HOME": home.path]),
            output: .string(limit: 1 << 16)
        )
        let folder = home.path + "/journey/dev-tls"
        #expect(made.standardOutput.contains(folder))
        #expect(made.standardOutput.contains("update-ca-certificates"), "it tells how to trust the authority")
        let running = try await RunningJourney(arguments: ["--dev-tls", "--port", "0"], environment: environment)
        let port = try await running.port()
        let page = try await Curl.run(["--cacert", folder + "/ca.pem", "https://localhost:\(port)/"])
        #expect(page.status == 200 && page.version == "HTTP/2")
        #expect(await running.terminate() == 0)
    }

    @Test func serveDevTLSMakesTheCertificateWhenThereIsNone() async throws {
        let home = try TemporaryDirectory()
        let running = try await RunningJourney(
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
        let running = try await RunningJourney(arguments: [
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

    @Test func runServesWhatAConfigurationFileDescribesWithTheEnvironmentOverIt() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("from the file\n", to: "site/page.txt")
        let file = try directory.write(
            """
            listeners:
              main: 127.0.0.1:0
            staticFiles:
              root: \(directory.path)/site
              listsDirectories: true
            """,
            to: "journey.yaml"
        )
        let running = try await RunningJourney(
            arguments: ["run", "--config", file],
            environment: ["JOURNEY_OBSERVE_SERVES_METRICS": "true"]
        )
        let port = try await running.port()
        #expect(try await Curl.run([Curl.url("/page.txt", port: port)]).text == "from the file\n")
        #expect(try await Curl.run([Curl.url("/", port: port)]).text.contains("page.txt"))
        #expect(try await Curl.run([Curl.url("/metrics", port: port)]).text.contains("journey_requests_total"))
        #expect(await running.terminate() == 0)
    }

    @Test func reloadReadsTheFileAgainAndKeepsTheRunningConfigurationWhenItIsWrong() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("first\n", to: "one/page.txt")
        try directory.write("second\n", to: "two/page.txt")
        let site = { (folder: String) in
            "listeners:\n  main: 127.0.0.1:0\nstaticFiles:\n  root: \(directory.path)/\(folder)\n"
        }
        let file = try directory.write(site("one"), to: "journey.yaml")
        let pidFile = directory.path + "/journey.pid"
        let running = try await RunningJourney(arguments: ["run", "--config", file, "--pid-file", pidFile])
        let port = try await running.port()
        #expect(try await Curl.run([Curl.url("/page.txt", port: port)]).text == "first\n")

        try directory.write(site("two"), to: "journey.yaml")
        let reload = try await Process.output(
            of: try JourneyBinary.require(),
            arguments: ["reload", "--pid-file", pidFile]
        )
        #expect(reload.status == 0)
        try await running.waitForLog(containing: "journey.yaml reloaded")
        #expect(try await Curl.run([Curl.url("/page.txt", port: port)]).text == "second\n")

        try directory.write(site("one") + "accept:\n  threads: 0\n", to: "journey.yaml")
        running.signal(SIGHUP)
        try await running.waitForLog(containing: "accept.threads: must be at least 1")
        #expect(try await Curl.run([Curl.url("/page.txt", port: port)]).text == "second\n")
        #expect(await running.terminate() == 0)
        #expect(!FileManager.default.fileExists(atPath: pidFile))
    }

    @Test func validateReportsEveryProblemWithItsLineAndExitsNonZero() async throws {
        let directory = try TemporaryDirectory()
        let wrong = try directory.write(
            "listeners:\n  main: 127.0.0.1:99999\naccept:\n  backlogg: 10\n  threads: 0\n",
            to: "wrong.yaml"
        )
        let output = try await Process.output(
            of: try JourneyBinary.require(),
            arguments: ["validate", "--config", wrong]
        )
        let errors = String(decoding: output.standardError, as: UTF8.self)
        #expect(output.status == 1)
        #expect(errors.contains("wrong.yaml:2:9: listeners.main: expected HOST:PORT"), "\(errors)")
        #expect(errors.contains("wrong.yaml:4:3: accept.backlogg: unknown key 'backlogg'"), "\(errors)")
        #expect(errors.contains("wrong.yaml:5:3: accept.threads: must be at least 1"), "\(errors)")

        // What nginx -t finds on disk: a certificate that does not load, a folder that is not there.
        let missing = try directory.write(
            """
            tls: {certificatePath: \(directory.path)/none.pem, privateKeyPath: \(directory.path)/none.key}
            staticFiles: {root: \(directory.path)/nowhere}
            """,
            to: "missing.yaml"
        )
        let disk = try await Process.output(
            of: try JourneyBinary.require(),
            arguments: ["validate", "--config", missing]
        )
        let diskErrors = String(decoding: disk.standardError, as: UTF8.self)
        #expect(disk.status == 1)
        #expect(diskErrors.contains("tls: the certificate and key do not load"), "\(diskErrors)")
        #expect(diskErrors.contains("staticFiles.root: \(directory.path)/nowhere is not a folder"), "\(diskErrors)")
    }

    @Test func configPrintWritesEveryKeyAndValidateAcceptsIt() async throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("accept:\n  backlog: 64\n", to: "journey.yaml")
        let printed = try await Process.output(
            of: try JourneyBinary.require(),
            arguments: ["config", "--print", "--config", file]
        )
        #expect(printed.status == 0)
        let text = String(decoding: printed.standardOutput, as: UTF8.self)
        #expect(text.contains("  backlog: 64\n"))
        #expect(text.contains("  headerRead: 10s\n"))
        let copy = try directory.write(text, to: "printed.yaml")
        let check = try await Process.output(
            of: try JourneyBinary.require(),
            arguments: ["validate", "--config", copy]
        )
        #expect(check.status == 0, "\(String(decoding: check.standardError, as: UTF8.self))")
    }

    @Test func refusesAMissingFolder() async throws {
        let output = try await Process.output(
            of: try JourneyBinary.require(),
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

    /// The binary's path; throws when `swift build` has not made it (under CI a test then fails, never skips).
    static func require() throws -> String {
        guard let url = Self.url else { throw NotBuilt() }
        return url.path
    }

    struct NotBuilt: Error, CustomStringConvertible {
        var description: String { "the journey binary is not built (swift build)" }
    }
}

/// A `journey` process whose first output line names its port.
///
/// Launched by swift-subprocess, not Foundation's `Process.run()`, which reads past the end of a buffer while it
/// lists /proc/self/fd (AddressSanitizer shows it on every launch; it crashed CI runs now and then).
final class RunningJourney: Sendable {
    private let processIdentifier: pid_t
    /// The run, to the exit status (128 + the signal for a process a signal ended, as a shell says it).
    private let run: Task<Int32, any Error>
    private let output: OutputLines
    private let errors: OutputLines
    /// The process has exited (and been reaped): its pid may belong to another process by now.
    private let exited: NIOLockedValueBox<Bool>

    init(executable: String? = nil, arguments: [String], environment: [String: String] = [:]) async throws {
        guard let path = executable ?? JourneyBinary.url?.path else { throw JourneyExited() }
        let (output, errors) = (OutputLines(), OutputLines())
        let (started, starting) = AsyncStream.makeStream(of: pid_t.self)
        var variables: [Environment.Key: String?] = [:]
        for (name, value) in environment {
            if let key = Environment.Key(rawValue: name) { variables[key] = value }
        }
        let settings = variables
        let exited = NIOLockedValueBox(false)
        self.run = Task {
            defer { starting.finish() }
            defer { exited.withLockedValue { $0 = true } }
            let result = try await Subprocess.run(
                .path(FilePath(path)),
                arguments: Arguments(arguments),
                environment: .inherit.updating(settings),
                input: .none,
                output: .sequence,
                error: .sequence
            ) { execution in
                starting.yield(execution.processIdentifier.value)
                async let standardOutput: Void = output.read(execution.standardOutput)
                async let standardError: Void = errors.read(execution.standardError)
                _ = try await (standardOutput, standardError)
            }
            switch result.terminationStatus {
            case .exited(let code): return code
            case .signaled(let signal): return 128 + signal
            }
        }
        var launched = started.makeAsyncIterator()
        guard let processIdentifier = await launched.next() else {
            _ = try await self.run.value
            throw JourneyExited()
        }
        self.processIdentifier = processIdentifier
        self.output = output
        self.errors = errors
        self.exited = exited
    }

    /// A test that ends without stopping its server (a failed `#require`) does not leave it running.
    deinit {
        self.exited.withLockedValue { exited in
            if !exited { kill(self.processIdentifier, SIGKILL) }
        }
    }

    /// Waits (30 s at most) for `journey serving … on http(s)://HOST:PORT/` and returns PORT.
    func port() async throws -> Int {
        let output = self.output
        let line = try await waitAtMost(for: "journey to print its port") {
            try await output.first { $0.contains(/on https?:\/\/[^:]+:\d+\//) }
        }
        guard let match = line.firstMatch(of: /on https?:\/\/[^:]+:(\d+)\//), let port = Int(match.1) else {
            throw JourneyExited()
        }
        return port
    }

    /// Waits (30 s at most) for a line on standard error that contains `text` (the server's log).
    func waitForLog(containing text: String) async throws {
        let errors = self.errors
        _ = try await waitAtMost(for: "journey to log \"\(text)\"") { try await errors.first { $0.contains(text) } }
    }

    /// The process's peak resident memory so far (VmHWM), or nil where /proc does not tell.
    var peakResidentBytes: Int? {
        let path = "/proc/\(self.processIdentifier)/status"
        guard let status = try? String(contentsOfFile: path, encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kibibytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kibibytes * 1024
    }

    /// Sends `signal` to the process.
    func signal(_ signal: Int32) {
        kill(self.processIdentifier, signal)
    }

    /// Waits for the process to exit (killing it after 60 s, so a hang fails rather than stalls).
    func exitStatus() async -> Int32 {
        await self.exitStatus(killedAfter: .seconds(60))
    }

    /// Sends SIGTERM and returns the exit status; a process still alive 15 s later is killed, so a hang
    /// fails the test (status 137) instead of stalling the run.
    func terminate() async -> Int32 {
        kill(self.processIdentifier, SIGTERM)
        return await self.exitStatus(killedAfter: .seconds(15))
    }

    private func exitStatus(killedAfter limit: Duration) async -> Int32 {
        let processIdentifier = self.processIdentifier
        let killer = Task {
            try await Task.sleep(for: limit)
            kill(processIdentifier, SIGKILL)
        }
        defer { killer.cancel() }
        return (try? await self.run.value) ?? -1
    }
}

/// The process ended before it printed its port.
struct JourneyExited: Error {}

/// One output stream of a child process, split into lines as they arrive and kept for later reading.
private final class OutputLines: Sendable {
    private let state = NIOLockedValueBox(State())

    fileprivate struct State {
        var pending: [UInt8] = []
        var lines: [String] = []
        var finished = false
        var waiters: [(predicate: @Sendable (String) -> Bool, continuation: CheckedContinuation<String, any Error>)] =
            []
    }

    /// Reads `sequence` to its end, line by line.
    func read(_ sequence: SubprocessOutputSequence) async throws {
        do {
            for try await buffer in sequence {
                let bytes = buffer.withUnsafeBytes { Array($0) }
                self.resume {
                    $0.pending.append(contentsOf: bytes)
                    while let newline = $0.pending.firstIndex(of: UInt8(ascii: "\n")) {
                        $0.lines.append(String(decoding: $0.pending[..<newline], as: UTF8.self))
                        $0.pending.removeSubrange(...newline)
                    }
                }
            }
        } catch {
            self.resume { $0.finished = true }
            throw error
        }
        self.resume { $0.finished = true }
    }

    /// Changes the state, then resumes the waiters whose line has come (or all, once the output has ended).
    private func resume(after change: (inout State) -> Void) {
        let ready = self.state.withLockedValue { state in
            change(&state)
            return state.resolveWaiters()
        }
        for (continuation, result) in ready { continuation.resume(with: result) }
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
