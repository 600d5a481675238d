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
        #expect(Self.wire(.bulk(ByteBuffer(string: "a\r\nb"))) == "$4\r\na\r\nb\r\n")
        #expect(Self.wire(.bulk(ByteBuffer())) == "$0\r\n\r\n")
        #expect(Self.wire(.null) == "$-1\r\n")
        #expect(Self.wire(.array([.integer(1), .null, .array([])])) == "*3\r\n:1\r\n$-1\r\n*0\r\n")
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
