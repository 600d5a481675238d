import Foundation
import Journey
import JourneyTestSupport
import Logging
import NIOConcurrencyHelpers
import Testing
import WSClient

/// `Server.reload(_:)`: nginx's reload in one process. New connections get the new configuration, open ones keep
/// theirs, the listening socket stays bound, a wrong configuration changes nothing.
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct ReloadTests {
    /// Two folders with the same file name, so which one answers shows which configuration did.
    private static func folders() throws -> (TemporaryDirectory, TemporaryDirectory) {
        let (first, second) = (try TemporaryDirectory(), try TemporaryDirectory())
        try first.write("first\n", to: "page.txt")
        try second.write("second\n", to: "page.txt")
        return (first, second)
    }

    private static func serving(_ folder: TemporaryDirectory) -> Configuration {
        var configuration = Configuration()
        configuration.staticFiles = StaticFileOptions(root: folder.path)
        return configuration
    }

    @Test func newConnectionsGetTheNewConfigurationAndOpenOnesKeepTheirs() async throws {
        let (first, second) = try Self.folders()
        try await TestServer.with(Self.serving(first)) { server in
            let open = try await StreamingClient.connect(port: server.port)
            let request = "GET /page.txt HTTP/1.1\r\nHost: a\r\n\r\n"
            try await open.send(request)
            _ = try await open.receive { String(decoding: $0, as: UTF8.self).hasSuffix("first\n") }

            var next = Self.serving(second)
            next.staticFiles?.cacheControl = "no-store"
            next.listeners = server.server.configuration.listeners
            next.accept = server.server.configuration.accept
            #expect(try await server.server.reload(next) == [])

            let fresh = try await server.curl([server.url("/page.txt")])
            #expect(fresh.text == "second\n")
            #expect(fresh.headers["cache-control"] == "no-store")
            #expect(server.server.configuration.staticFiles?.root == second.path)
            // The connection accepted before the reload still answers from the first folder.
            try await open.send(request)
            let both = try await open.receive { bytes in
                String(decoding: bytes, as: UTF8.self).components(separatedBy: "first\n").count == 3
            }
            #expect(!String(decoding: both, as: UTF8.self).contains("second"))
            await open.close()
        }
    }

    @Test func aWrongConfigurationChangesNothing() async throws {
        let (first, second) = try Self.folders()
        try await TestServer.with(Self.serving(first)) { server in
            var wrong = Self.serving(second)
            wrong.accept.threads = 0
            wrong.webSocket.echoPath = "no-slash"
            var problems: [String] = []
            do {
                try await server.server.reload(wrong)
            } catch let error as InvalidConfiguration {
                problems = error.problems.map(\.field)
            }
            #expect(problems == ["accept.threads", "webSocket.echoPath"])

            var unreadable = Self.serving(second)
            unreadable.observe.accessLogPath = second.path + "/no/such/folder/access.log"
            await #expect(throws: (any Error).self) { try await server.server.reload(unreadable) }

            #expect(try await server.curl([server.url("/page.txt")]).text == "first\n")
            #expect(server.server.configuration.staticFiles?.root == first.path)
        }
    }

    @Test func whatOnlyARestartChangesIsNamedAndKept() async throws {
        let (first, second) = try Self.folders()
        try await TestServer.with(Self.serving(first)) { server in
            let running = server.server.configuration
            var next = Self.serving(second)
            next.listeners = running.listeners
            next.listeners.admin = ListenAddress(host: "127.0.0.1", port: 0)
            next.accept.threads = running.accept.threads
            next.accept.backlog = 17
            next.observe.logLevel = .trace
            let waiting = try await server.server.reload(next)
            #expect(waiting == ["listeners.admin", "accept.backlog", "observe.logLevel"])
            #expect(server.server.configuration.listeners == running.listeners)
            #expect(server.server.configuration.accept.backlog == running.accept.backlog)
            // The rest applied: the new folder is served on the port the server had.
            #expect(try await server.curl([server.url("/page.txt")]).text == "second\n")
        }
    }

    @Test func aWebSocketStaysOpenAcrossAReload() async throws {
        let (first, second) = try Self.folders()
        var configuration = Self.serving(first)
        configuration.webSocket.echoPath = "/ws"
        try await TestServer.with(configuration) { server in
            let replies = NIOLockedValueBox<[String]>([])
            try await WebSocketClient.connect(url: "ws://127.0.0.1:\(server.port)/ws", logger: Logger(label: "test")) {
                inbound,
                outbound,
                _ in
                var messages = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
                try await outbound.write(.text("before"))
                if case .text(let text) = try await messages.next() { replies.withLockedValue { $0.append(text) } }
                // No echo endpoint in the new configuration: new upgrades fail, this session goes on.
                var next = Self.serving(second)
                next.listeners = server.server.configuration.listeners
                next.accept = server.server.configuration.accept
                try await server.server.reload(next)
                try await outbound.write(.text("after"))
                if case .text(let text) = try await messages.next() { replies.withLockedValue { $0.append(text) } }
                try await outbound.close(.normalClosure, reason: nil)
            }
            #expect(replies.withLockedValue { $0 } == ["before", "after"])
            let upgrade = try await server.curl([
                "-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13",
                "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", server.url("/ws"),
            ])
            #expect(upgrade.status == 404)
        }
    }

    @Test(.requires(.wrk)) func reloadsUnderLoadFailNoRequest() async throws {
        let (first, second) = try Self.folders()
        try await TestServer.with(Self.serving(first)) { server in
            let base = server.server.configuration
            // Every request on a new connection, so accepts go on while the protocol is swapped.
            let finished = NIOLockedValueBox(false)
            let wrk = try ExternalTool.wrk.require()
            let load = Task {
                defer { finished.withLockedValue { $0 = true } }
                return try await Process.output(
                    of: wrk,
                    arguments: ["-t", "2", "-c", "16", "-d", "3s", "-H", "Connection: close", server.url("/page.txt")]
                )
            }
            var reloads = 0
            while reloads < 10 || !finished.withLockedValue({ $0 }) {
                var next = base
                next.staticFiles = StaticFileOptions(root: (reloads.isMultiple(of: 2) ? second : first).path)
                try await server.server.reload(next)
                reloads += 1
                try await Task.sleep(for: .milliseconds(20))
            }
            let output = try await load.value
            let report = String(decoding: output.standardOutput, as: UTF8.self)
            let requests = report.split(separator: "\n").first { $0.contains("requests in") }
                .flatMap { Int($0.split(separator: " ").first ?? "") }
            #expect(output.status == 0)
            #expect((requests ?? 0) > 100, "\(report)")
            #expect(!report.contains("Socket errors"), "\(report)")
            #expect(!report.contains("Non-2xx"), "\(report)")
            #expect(reloads >= 10)
        }
    }

    @Test func aReloadBindsTheSocketsItAddsAndClosesThoseItDrops() async throws {
        let (first, second) = try Self.folders()
        try await TestServer.with(Self.serving(first)) { server async throws in
            let running = server.server.configuration
            var more = Self.serving(second)
            more.listeners = running.listeners
            more.accept = running.accept
            more.listeners.additional = [ListenAddress(host: "::1", port: 0)]
            #expect(try await server.server.reload(more) == [])
            let ipv6 = try #require(server.server.listening.first { $0.address.host == "::1" }?.address.port)
            #expect(try await Curl.run(["-g", "http://[::1]:\(ipv6)/page.txt"]).text == "second\n")
            // The main socket stayed where it was.
            #expect(server.server.port(of: .main) == server.port)

            var fewer = more
            fewer.listeners.additional = []
            #expect(try await server.server.reload(fewer) == [])
            #expect(!server.server.listening.contains { $0.address.host == "::1" })
            await #expect(throws: (any Error).self) { try await Curl.run(["-g", "http://[::1]:\(ipv6)/page.txt"]) }
            #expect(try await server.curl([server.url("/page.txt")]).text == "second\n")
        }
    }
}
