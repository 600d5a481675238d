import Foundation
import Journey
import JourneyTestSupport
import NIOCore
import Subprocess
import SystemPackage
import Testing

/// Where a Redis tool is installed, if it is (`.ci/run` installs redis-tools and redis-server).

/// The RESP listener with real clients: redis-cli, and the same bytes sent to a real redis-server.
@Suite(.requires(.redisCLI), .timeLimit(.minutes(2)))
struct RESPTests {
    static func with(_ body: (Int) async throws -> Void) async throws {
        var configuration = Configuration()
        configuration.listeners.resp = .port(0)
        try await TestServer.with(configuration) { server in
            try await body(try #require(server.server.port(of: .resp)))
        }
    }

    /// `redis-cli -p PORT arguments…`: its standard output, trimmed of the last line break.
    static func cli(_ port: Int, _ arguments: String..., input: String? = nil) async throws -> String {
        let output = try await Process.output(
            of: try ExternalTool.redisCLI.require(),
            arguments: ["-p", String(port)] + arguments,
            input: input.map { Data($0.utf8) }
        )
        #expect(output.status == 0, "redis-cli failed: \(String(decoding: output.standardError, as: UTF8.self))")
        var text = String(decoding: output.standardOutput, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    @Test func redisCLIRunsAScript() async throws {
        try await Self.with { port async throws in
            #expect(try await Self.cli(port, "PING") == "PONG")
            #expect(try await Self.cli(port, "SET", "greeting", "hello world") == "OK")
            #expect(try await Self.cli(port, "GET", "greeting") == "hello world")
            #expect(try await Self.cli(port, "SET", "greeting", "again", "NX") == "")
            #expect(try await Self.cli(port, "INCR", "counter") == "1")
            #expect(try await Self.cli(port, "INCRBY", "counter", "41") == "42")
            #expect(try await Self.cli(port, "SET", "session", "x", "EX", "100") == "OK")
            // Seconds left, rounded as Redis does: 100 at once, less on a machine loaded by the other suites.
            let ttl = Int(try await Self.cli(port, "TTL", "session")) ?? -1
            #expect((80...100).contains(ttl))
            #expect(try await Self.cli(port, "MSET", "a", "1", "b", "2") == "OK")
            #expect(try await Self.cli(port, "MGET", "a", "b", "missing") == "1\n2\n")
            #expect(try await Self.cli(port, "DEL", "a", "b", "missing") == "2")
            #expect(try await Self.cli(port, "EXISTS", "greeting", "a") == "1")
            #expect(try await Self.cli(port, "DBSIZE") == "3")
            // redis-cli follows an error with an empty line when its output is not a terminal.
            #expect(
                try await Self.cli(port, "GET", "counter", "extra")
                    == "ERR wrong number of arguments for 'get' command\n"
            )
            #expect(
                try await Self.cli(port, "NOPE", "x")
                    == "ERR unknown command 'NOPE', with args beginning with: 'x' \n"
            )
            #expect(try await Self.cli(port, "FLUSHDB") == "OK")
            #expect(try await Self.cli(port, "DBSIZE") == "0")
        }
    }

    @Test func pipelinedCommandsFromStandardInputAndTheMassInsertionPipe() async throws {
        try await Self.with { port async throws in
            // redis-cli reading commands from standard input sends them all before it reads a reply.
            let script =
                (0..<200).map { "SET key:\($0) value\($0)" }.joined(separator: "\n") + "\nDBSIZE\nGET key:199\n"
            let replies = try await Self.cli(port, input: script).split(separator: "\n")
            #expect(replies.count == 202)
            #expect(replies.prefix(200).allSatisfy { $0 == "OK" })
            #expect(Array(replies.suffix(2)) == ["200", "value199"])
            // --pipe: raw RESP, as in Redis's mass-insertion guide.
            var protocolText = ""
            for index in 0..<1000 {
                let key = "bulk:\(index)"
                protocolText += "*3\r\n$3\r\nSET\r\n$\(key.utf8.count)\r\n\(key)\r\n$1\r\nv\r\n"
            }
            let piped = try await Self.cli(port, "--pipe", input: protocolText)
            #expect(piped.contains("errors: 0, replies: 1000"), "\(piped)")
            #expect(try await Self.cli(port, "DBSIZE") == "1200")
        }
    }

    @Test func aMalformedFrameGetsRedisErrorAndOnlyThatConnectionCloses() async throws {
        try await Self.with { port async throws in
            let reply = try await RawClient.exchange("PING\r\n*1\r\n$x\r\nPING\r\n", port: port, halfClose: false)
            #expect(reply == "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n")
            #expect(try await RawClient.exchange("*1\r\n$4\r\nPING\r\n", port: port) == "+PONG\r\n")
            #expect(try await Self.cli(port, "PING") == "PONG")
        }
    }

    @Test func quitAnswersOKAndCloses() async throws {
        try await Self.with { port async throws in
            let reply = try await RawClient.exchange("PING\r\nQUIT\r\nPING\r\n", port: port, halfClose: false)
            #expect(reply == "+PONG\r\n+OK\r\n")
        }
    }

    /// Every reply byte-for-byte as Redis 7's, for commands and malformed input alike (needs redis-server).
    @Test(.requires(.redisServer))
    func repliesAreByteForByteRedis() async throws {
        let directory = try TemporaryDirectory()
        let socket = directory.path + "/redis.sock"
        // It logs to a file, and is launched by swift-subprocess rather than Foundation's `Process.run()` (which
        // reads past a buffer's end while it lists /proc/self/fd: it crashed CI runs now and then). Killed with
        // SIGKILL when the test is done with it: it inherits this process's signal mask, where SIGTERM is blocked
        // (swift-service-lifecycle's signal sources).
        _ = try await Subprocess.run(
            .path(FilePath(try ExternalTool.redisServer.require())),
            arguments: [
                "--port", "0", "--unixsocket", socket, "--save", "", "--appendonly", "no",
                "--logfile", directory.path + "/redis.log",
            ],
            input: .none,
            output: .discarded,
            error: .discarded
        ) { execution in
            defer { kill(execution.processIdentifier.value, SIGKILL) }
            try await Self.compareWithRedis(at: socket)
        }
    }

    /// Sends a script of commands and malformed inputs to journey and to the redis-server at `socket`.
    private static func compareWithRedis(at socket: String) async throws {
        // redis-server is ready once its socket answers.
        let start = ContinuousClock.now
        while (try? await RawClient.exchange("PING\r\n", unixSocket: socket)) != "+PONG\r\n" {
            try #require(ContinuousClock.now < start + .seconds(20), "redis-server did not start")
            try await Task.sleep(for: .milliseconds(20))
        }
        let script = [
            "PING", "PING hello", "ECHO", "SET k v", "GET k", "SET k v2 NX", "SET k v2 XX GET", "SET k v NX XX",
            "SET k v EX 0", "SET k v EX abc", "SET k v EX 10 PX 100", "SET k 10 EX 100", "INCR k", "TTL k",
            "SET k 5 KEEPTTL", "TTL k", "PERSIST k", "TTL k", "PTTL nokey", "INCRBY k 9223372036854775800",
            "DECRBY k -9223372036854775808", "SET s abc", "INCR s", "DEL k s nokey", "EXISTS k k nokey",
            "MSET a 1 b 2", "MSET a 1 b", "MGET a b c", "EXPIRE a 100 NX", "EXPIRE a 100 NX", "EXPIRE a 200 GT",
            "EXPIRE a 50 LT", "EXPIRE a 50 NX LT", "EXPIRE a 50 GT LT", "EXPIRE a 50 FOO", "EXPIRE a abc",
            "EXPIRE a 9223372036854775807", "EXPIRE b -1", "EXISTS b", "TYPE a", "TYPE nokey", "SELECT 3",
            "SET three 3", "SELECT 0", "GET three", "SELECT 16", "SELECT x", "DBSIZE", "FLUSHDB FOO", "FLUSHALL",
            "DBSIZE", "CONFIG GET save", "COMMAND FOO", "nosuch 'x' \"y z\"", "GET a b", "SET",
        ].map { $0 + "\r\n" }.joined()
        let malformed = [
            "*x\r\n", "*1\r\n+foo\r\n", "*1\r\n$x\r\n", "*1\r\n$-5\r\n", "SET \"a b\r\n", "SET \"a\"b c\r\n",
            "PING\r\n*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n*abc\r\nPING\r\n", "*0\r\n*-1\r\nPING\r\n", "\r\n\r\nPING\r\n",
            "ECHO \"\\x41\\n\\t\"\r\n", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nvXY*1\r\n$3\r\nGET\r\n",
            "*2147483648\r\n", "*1\r\n$536870913\r\n", "*1\r\n\r\n",
            "ECHO a\u{0B}b\r\nECHO  \u{0B} x\u{0C}y \r\nPING\r\n",
        ]
        try await Self.with { port async throws in
            for input in [script] + malformed {
                let ours = try await RawClient.exchange(input, port: port)
                let redis = try await RawClient.exchange(input, unixSocket: socket)
                #expect(ours == redis, "for \(input.debugDescription)")
            }
        }
    }
}
