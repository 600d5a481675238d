import NIOCore
import NIOEmbedded
import Testing

@testable import JourneyRESP

@Suite struct RESPCommandDecoderTests {
    /// A channel with the decoder, fed `chunks` one read each; the commands it framed, as words.
    static func commands(_ chunks: [String], maximumRequestSize: Int = 1 << 20) throws -> [[String]] {
        let channel = EmbeddedChannel(
            handler: ByteToMessageHandler(RESPCommandDecoder(maximumRequestSize: maximumRequestSize))
        )
        defer { _ = try? channel.finish() }
        for chunk in chunks { try channel.writeInbound(ByteBuffer(string: chunk)) }
        var commands: [[String]] = []
        while let command = try channel.readInbound(as: RESPCommand.self) {
            commands.append(command.arguments.map { String(buffer: $0) })
        }
        return commands
    }

    static func error(_ chunks: [String], maximumRequestSize: Int = 1 << 20) -> RESPProtocolError? {
        do {
            _ = try Self.commands(chunks, maximumRequestSize: maximumRequestSize)
            return nil
        } catch {
            return error as? RESPProtocolError
        }
    }

    @Test func multibulkCommandsArePipelinedInOneRead() throws {
        let commands = try Self.commands(["*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n"])
        #expect(commands == [["PING"], ["SET", "k", "vv"]])
    }

    @Test func aCommandSplitAcrossReadsAtEveryByteStillFrames() throws {
        let wire = "*2\r\n$4\r\nECHO\r\n$11\r\nhello\r\nyou!\r\n"
        let commands = try Self.commands(wire.map { String($0) })
        #expect(commands == [["ECHO", "hello\r\nyou!"]])
    }

    @Test func inlineCommandsSplitLikeRedis() throws {
        let commands = try Self.commands([
            "PING\r\n", "SET k \"a b\\x41\\n\"\r\n", "ECHO 'it\\'s'\n", "\r\n", "  GET   k  \r\n",
        ])
        #expect(commands == [["PING"], ["SET", "k", "a bA\n"], ["ECHO", "it's"], ["GET", "k"]])
    }

    @Test func emptyMultibulkCountsAreSkipped() throws {
        #expect(try Self.commands(["*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n"]) == [["PING"]])
    }

    @Test(arguments: [
        ("*x\r\n", RESPProtocolError.invalidMultibulkLength),
        ("*2147483648\r\n", .invalidMultibulkLength),
        ("*1\r\n$x\r\n", .invalidBulkLength),
        ("*1\r\n$-1\r\n", .invalidBulkLength),
        ("*1\r\n+PING\r\n", .expectedBulk(got: UInt8(ascii: "+"))),
        ("*1\r\n\r\n", .expectedBulk(got: UInt8(ascii: "\r"))),
        ("SET \"k v\r\n", .unbalancedQuotes),
        ("SET \"k\"v x\r\n", .unbalancedQuotes),
    ])
    func malformedRequestsAreRedisProtocolErrors(input: String, expected: RESPProtocolError) {
        #expect(Self.error([input]) == expected)
    }

    @Test func linesLongerThan64KiBWithoutABreakAreRefused() {
        let long = String(repeating: "a", count: 65 * 1024)
        #expect(Self.error([long]) == .tooBigInlineRequest)
        #expect(Self.error(["*" + long]) == .tooBigMultibulkCount)
        #expect(Self.error(["*1\r\n$" + long]) == .tooBigBulkCount)
    }

    @Test func aRequestOverTheLimitIsRefusedBeforeItIsBuffered() {
        #expect(Self.error(["*1\r\n$2000\r\n"], maximumRequestSize: 1000) == .invalidBulkLength)
        // Many arguments each under the limit, together over it: refused as they arrive, not at the end.
        let argument = "$600\r\n" + String(repeating: "x", count: 600) + "\r\n"
        #expect(Self.error(["*3\r\n", argument, argument], maximumRequestSize: 1000) == .requestTooLarge)
    }

    @Test func aCommandKeptWhileTheNextIsReadKeepsItsArguments() throws {
        // The decoder reuses its argument list from command to command: a command still held must not change.
        var decoder = RESPCommandDecoder(maximumRequestSize: 1 << 20)
        var buffer = ByteBuffer(string: "*2\r\n$3\r\nGET\r\n$1\r\na\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\nc\r\n")
        let first = try #require(try decoder.decode(buffer: &buffer))
        let second = try #require(try decoder.decode(buffer: &buffer))
        #expect(try decoder.decode(buffer: &buffer) == nil)
        #expect(first.arguments.map { String(buffer: $0) } == ["GET", "a"])
        #expect(second.arguments.map { String(buffer: $0) } == ["SET", "b", "c"])
        // And a command of more arguments than the list had room for, after a short one.
        buffer.writeString("*1\r\n$4\r\nPING\r\n*4\r\n$4\r\nMSET\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n")
        let ping = try #require(try decoder.decode(buffer: &buffer))
        let multiple = try #require(try decoder.decode(buffer: &buffer))
        #expect(ping.arguments.map { String(buffer: $0) } == ["PING"])
        #expect(multiple.arguments.map { String(buffer: $0) } == ["MSET", "x", "y", "z"])
    }

    @Test func argumentsAreSlicesOfTheReadNotCopies() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPCommandDecoder(maximumRequestSize: 1 << 20)))
        defer { _ = try? channel.finish() }
        try channel.writeInbound(ByteBuffer(string: "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"))
        let command = try #require(try channel.readInbound(as: RESPCommand.self))
        #expect(command.arguments.map { String(buffer: $0) } == ["GET", "key"])
        #expect(command.arguments[1].readableBytes == 3)
    }
}
