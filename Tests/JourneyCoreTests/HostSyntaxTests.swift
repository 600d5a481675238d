import Testing

@testable import JourneyCore

/// `uri-host [ ":" port ]` (RFC 9112 §3.2, RFC 3986 §3.2.2–3.2.3), as tables of values.
@Suite struct HostSyntaxTests {
    @Test(arguments: [
        "", "example.com", "EXAMPLE.com", "example.com:8080", "a:1", "a:65535", "127.0.0.1", "127.0.0.1:80",
        "[::1]", "[::1]:8080", "[2001:db8::7]", "[::ffff:192.0.2.1]", "xn--bcher-kva.example", "a-b_c~d",
        "%41%62", "sub!$&'()*+,;=.x",
    ])
    func valid(host: String) {
        #expect(HostSyntax.isValid(host), "\(host.debugDescription)")
    }

    @Test(arguments: [
        "a b", "a/b", "a@b", "user:pass@host", "a?b", "a#b", "a\u{1}b", "a\u{7F}b", "a\tb", "a\"b", "a<b>",
        "a:", "a:123456", "a:8o", "a:-1", "a:+1", "a:1:2", "[::1", "::1", "[127.0.0.1]", "[v1.fe]", "[::1%25eth0]",
        "[]", "[::1]x", "[::1]:", "%", "%4", "%zz", "é.example", "a\\b", ":80", ":",
    ])
    func invalid(host: String) {
        #expect(!HostSyntax.isValid(host), "\(host.debugDescription)")
    }
}
