import NIOCore
import Testing

@testable import JourneyRESP

@Suite struct RESPReplyTests {
    static func wire(_ reply: RESPReply) -> String {
        var buffer = ByteBuffer()
        reply.write(to: &buffer)
        return String(buffer: buffer)
    }

    @Test func everyKindIsWrittenAsRESP2() {
        #expect(Self.wire(.ok) == "+OK\r\n")
        #expect(Self.wire(.error("ERR no")) == "-ERR no\r\n")
        #expect(Self.wire(.integer(0)) == ":0\r\n")
        #expect(Self.wire(.integer(-42)) == ":-42\r\n")
        #expect(Self.wire(.integer(.min)) == ":-9223372036854775808\r\n")
        #expect(Self.wire(.integer(.max)) == ":9223372036854775807\r\n")
        #expect(Self.wire(.simple("QUEUED")) == "+QUEUED\r\n")
        #expect(Self.wire(.bytes(Array("xyz".utf8))) == "$3\r\nxyz\r\n")
        #expect(Self.wire(.bulk(ByteBuffer(string: "a\r\nb"))) == "$4\r\na\r\nb\r\n")
        #expect(Self.wire(.bulk(ByteBuffer())) == "$0\r\n\r\n")
        #expect(Self.wire(.null) == "$-1\r\n")
        #expect(Self.wire(.array([.integer(1), .null, .array([])])) == "*3\r\n:1\r\n$-1\r\n*0\r\n")
    }

    @Test(
        arguments: [
            9, 10, 99, 100, 999_999_999, 1_000_000_000_000_000_000, -1_000_000_000_000_000_000, -10, -9,
        ] as [Int64]
    )
    func integersAreWrittenInDecimalAtEveryNumberOfDigits(value: Int64) {
        #expect(Self.wire(.integer(value)) == ":\(value)\r\n")
    }

    @Test func aBulkOfEveryLengthGetsItsLengthLine() {
        for length in [0, 1, 9, 10, 99, 100, 1000, 70_000] {
            let payload = String(repeating: "v", count: length)
            #expect(Self.wire(.bytes(Array(payload.utf8))) == "$\(length)\r\n\(payload)\r\n")
            #expect(Self.wire(.bulk(ByteBuffer(string: payload))) == "$\(length)\r\n\(payload)\r\n")
        }
    }

    @Test func lineBreaksInAnErrorBecomeSpaces() {
        #expect(Self.wire(.error("ERR a\r\nb")) == "-ERR a  b\r\n")
    }

    @Test(arguments: [
        ("0", Int64(0)), ("-1", -1), ("9223372036854775807", .max), ("-9223372036854775808", .min),
    ])
    func integersParseAsRedisParsesThem(text: String, value: Int64) {
        #expect(RESPCommand.integer(Array(text.utf8)) == value)
    }

    @Test(arguments: [
        "", "-", "-0", "01", "+1", " 1", "1 ", "1.0", "9223372036854775808", "-9223372036854775809", "abc",
    ])
    func notIntegersToRedisAreNotIntegers(text: String) {
        #expect(RESPCommand.integer(Array(text.utf8)) == nil)
    }
}
