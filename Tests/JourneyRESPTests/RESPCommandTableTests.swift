import NIOCore
import Testing

@testable import JourneyRESP

@Suite struct RESPCommandTableTests {
    /// Runs `words` commands in one session; the replies.
    static func run(_ commands: [[String]], databases: Int = 16) -> [RESPReply] {
        var session = RESPSession(databases: (0..<databases).map { _ in RESPKeyspace() })
        return commands.map {
            RESPCommandTable.run(RESPCommand(arguments: $0.map { ByteBuffer(string: $0) }), in: &session)
        }
    }

    static func bulk(_ text: String) -> RESPReply { .bulk(ByteBuffer(string: text)) }

    @Test func setAndGetWithConditions() {
        let replies = Self.run([
            ["SET", "k", "1"], ["SET", "k", "2", "NX"], ["GET", "k"], ["SET", "k", "3", "XX", "GET"],
            ["SET", "new", "x", "XX"], ["GET", "new"], ["SET", "k", "v", "NX", "XX"],
        ])
        #expect(replies == [.ok, .null, Self.bulk("1"), Self.bulk("1"), .null, .null, .error("ERR syntax error")])
    }

    @Test func aSetOverAValueStillBeingSentLeavesThatReplyAlone() {
        // A SET reuses the old value's storage when it can: not while a reply still holds it.
        var session = RESPSession(databases: [RESPKeyspace()])
        func run(_ words: String...) -> RESPReply {
            RESPCommandTable.run(RESPCommand(arguments: words.map { ByteBuffer(string: $0) }), in: &session)
        }
        _ = run("SET", "k", "abc")
        let held = run("GET", "k")
        #expect(run("SET", "k", "xyz") == .ok)
        #expect(held == Self.bulk("abc"))
        #expect(run("GET", "k") == Self.bulk("xyz"))
        // Shorter, longer, empty, much longer and back: each GET sees exactly the last SET.
        for value in ["x", "four", "", String(repeating: "L", count: 500), "ab"] {
            #expect(run("SET", "k", value) == .ok)
            #expect(run("GET", "k") == Self.bulk(value))
        }
        #expect(run("SET", "k", "new", "GET") == Self.bulk("ab"))
        #expect(run("GET", "k") == Self.bulk("new"))
    }

    @Test func wrongArityAndUnknownCommandsAreWordedAsRedis() {
        let replies = Self.run([["GET"], ["get", "a", "b"], ["FOO", "x", "y"], ["foo"]])
        #expect(
            replies == [
                .error("ERR wrong number of arguments for 'get' command"),
                .error("ERR wrong number of arguments for 'get' command"),
                .error("ERR unknown command 'FOO', with args beginning with: 'x' 'y' "),
                .error("ERR unknown command 'foo', with args beginning with: "),
            ]
        )
    }

    @Test func incrementsKeepTheDeadlineAndRefuseNonIntegersAndOverflow() {
        let replies = Self.run([
            ["INCR", "n"], ["INCRBY", "n", "41"], ["DECR", "n"], ["SET", "s", "x"], ["INCR", "s"],
            ["SET", "big", "9223372036854775807"], ["INCR", "big"], ["DECRBY", "n", "-9223372036854775808"],
            ["EXPIRE", "n", "100"], ["INCR", "n"], ["TTL", "n"],
        ])
        #expect(
            replies == [
                .integer(1), .integer(42), .integer(41), .ok,
                .error("ERR value is not an integer or out of range"), .ok,
                .error("ERR increment or decrement would overflow"), .error("ERR decrement would overflow"),
                .integer(1), .integer(42), .integer(100),
            ]
        )
    }

    @Test func expireOptionsFollowRedis7() {
        let replies = Self.run([
            ["SET", "k", "v"], ["EXPIRE", "k", "100", "XX"], ["EXPIRE", "k", "100", "NX"], ["EXPIRE", "k", "50", "GT"],
            ["EXPIRE", "k", "50", "LT"], ["EXPIRE", "k", "1", "NX", "GT"], ["EXPIRE", "k", "1", "GT", "LT"],
            ["EXPIRE", "k", "1", "SOON"], ["EXPIRE", "k", "x"], ["EXPIRE", "missing", "1"], ["EXPIRE", "k", "-1"],
            ["EXISTS", "k"],
        ])
        #expect(
            replies == [
                .ok, .integer(0), .integer(1), .integer(0), .integer(1),
                .error("ERR NX and XX, GT or LT options at the same time are not compatible"),
                .error("ERR GT and LT options at the same time are not compatible"),
                .error("ERR Unsupported option SOON"), .error("ERR value is not an integer or out of range"),
                .integer(0), .integer(1), .integer(0),
            ]
        )
    }

    @Test func aKeyPastItsDeadlineIsGone() async throws {
        var session = RESPSession(databases: [RESPKeyspace()])
        func run(_ words: String...) -> RESPReply {
            RESPCommandTable.run(RESPCommand(arguments: words.map { ByteBuffer(string: $0) }), in: &session)
        }
        #expect(run("SET", "k", "v", "PX", "1") == .ok)
        #expect(run("SET", "keep", "v") == .ok)
        let deadline = ContinuousClock.now + .seconds(5)
        // The deadline is a real clock's: wait until it has passed (bounded, and no fixed sleep decides).
        while run("EXISTS", "k") != .integer(0), ContinuousClock.now < deadline { await Task.yield() }
        #expect(run("GET", "k") == .null)
        #expect(run("TTL", "k") == .integer(-2))
        #expect(run("TTL", "keep") == .integer(-1))
    }

    @Test func expiredKeysNobodyReadsAreReclaimedAsWritesGoOn() async throws {
        let keyspace = RESPKeyspace(shardCount: 1)
        var session = RESPSession(databases: [keyspace])
        for index in 0..<100 {
            _ = RESPCommandTable.run(RESPCommand("SET", "gone\(index)", "v", "PX", "1"), in: &session)
        }
        let start = ContinuousClock.now
        while ContinuousClock.now < start + .milliseconds(5) { await Task.yield() }
        for index in 0..<100 { _ = RESPCommandTable.run(RESPCommand("SET", "live\(index)", "v"), in: &session) }
        #expect(keyspace.count == 100)
    }

    @Test func databasesAreSeparateAndSelectIsBounded() {
        let replies = Self.run([
            ["SET", "k", "0"], ["SELECT", "1"], ["GET", "k"], ["DBSIZE"], ["SELECT", "16"], ["SELECT", "x"],
            ["SELECT", "0"], ["GET", "k"], ["FLUSHALL"], ["DBSIZE"],
        ])
        #expect(
            replies == [
                .ok, .ok, .null, .integer(0), .error("ERR DB index is out of range"),
                .error("ERR value is not an integer or out of range"), .ok, Self.bulk("0"), .ok, .integer(0),
            ]
        )
    }

    @Test func commandAndConfigAnswerWhatClientsAskAtStartup() {
        let replies = Self.run([["COMMAND", "COUNT"], ["COMMAND", "INFO", "get", "nope"], ["CONFIG", "GET", "save"]])
        #expect(replies[0] == .integer(Int64(RESPCommandTable.entries.count)))
        guard case .array(let info) = replies[1] else {
            Issue.record("COMMAND INFO is not an array")
            return
        }
        #expect(info.count == 2)
        #expect(info[1] == .null)
        #expect(replies[2] == .array([Self.bulk("save"), Self.bulk("")]))
    }
}
