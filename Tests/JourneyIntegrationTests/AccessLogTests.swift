import Foundation
import Journey
import JourneyTestSupport
import Testing

/// Access logs per site, in a format of one's own, and opened again after logrotate moved them (SIGUSR1).
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct AccessLogTests {
    @Test func eachSiteLogsToItsOwnFileInItsOwnFormat() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("one\n", to: "one/index.html")
        try directory.write("two\n", to: "two/index.html")
        var first = Configuration.Site(
            hosts: ["one.test"],
            staticFiles: StaticFileOptions(root: directory.path + "/one")
        )
        first.accessLogPath = directory.path + "/one.log"
        first.accessLogFormat = AccessLogFormat("$host $status $request")
        let second = Configuration.Site(
            hosts: ["two.test"],
            staticFiles: StaticFileOptions(root: directory.path + "/two")
        )
        var configuration = Configuration()
        configuration.sites = [first, second]
        configuration.unknownHost = .misdirected
        configuration.observe.accessLogPath = directory.path + "/server.log"
        let server = try await TestServer.start(configuration)
        _ = try await server.curl(["-H", "Host: one.test", server.url("/")])
        _ = try await server.curl(["-H", "Host: two.test", server.url("/index.html")])
        _ = try await server.curl(["-H", "Host: elsewhere.test", server.url("/")])
        // Shutting down closes the logs: every line is written by then.
        try await server.server.shutdown()
        let one = try String(contentsOfFile: directory.path + "/one.log", encoding: .utf8)
        let general = try String(contentsOfFile: directory.path + "/server.log", encoding: .utf8)
        #expect(one == "one.test 200 GET / HTTP/1.1\n")
        let lines = general.split(separator: "\n")
        #expect(lines.count == 2, "\(general)")
        #expect(lines.first?.contains("\"GET /index.html HTTP/1.1\" 200") == true)
        #expect(lines.last?.contains("\"GET / HTTP/1.1\" 421") == true)
    }

    @Test func reopenedLogsTakeTheLinesAfterTheReopen() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("page\n", to: "site/page.txt")
        var configuration = Configuration()
        configuration.staticFiles = StaticFileOptions(root: directory.path + "/site")
        let log = directory.path + "/access.log"
        configuration.observe.accessLogPath = log
        let server = try await TestServer.start(configuration)
        _ = try await server.curl([server.url("/page.txt?before")])
        // logrotate's way: move the file, then ask for a new one.
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        server.server.reopenLogs()
        _ = try await server.curl([server.url("/page.txt?after")])
        try await server.server.shutdown()
        let rotated = try String(contentsOfFile: log + ".1", encoding: .utf8)
        let fresh = try String(contentsOfFile: log, encoding: .utf8)
        #expect(rotated.contains("?before") && !rotated.contains("?after"), "\(rotated)")
        #expect(fresh.contains("?after") && !fresh.contains("?before"), "\(fresh)")
    }

    @Test(.enabled(if: JourneyBinary.url != nil || ExternalTool.isCI, "needs the journey binary (swift build)"))
    func sigusr1ReopensTheLogOfTheCommandLine() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("page\n", to: "site/page.txt")
        let log = directory.path + "/access.log"
        let running = try await RunningJourney(arguments: [
            directory.path + "/site", "--port", "0", "--access-log", log, "--access-log-format", "$status $request",
        ])
        let port = try await running.port()
        _ = try await Curl.run([Curl.url("/page.txt?before", port: port)])
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        running.signal(SIGUSR1)
        try await running.waitForLog(containing: "SIGUSR1: access logs reopened")
        _ = try await Curl.run([Curl.url("/page.txt?after", port: port)])
        #expect(await running.terminate() == 0)
        #expect(try String(contentsOfFile: log + ".1", encoding: .utf8) == "200 GET /page.txt?before HTTP/1.1\n")
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "200 GET /page.txt?after HTTP/1.1\n")
    }
}
