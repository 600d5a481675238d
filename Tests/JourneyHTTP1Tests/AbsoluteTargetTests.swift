import Testing

@testable import JourneyHTTP1

/// Absolute-form targets (RFC 9112 §3.2.2): the authority routes the request, and must be a valid host.
@Suite struct AbsoluteTargetTests {
    @Test(arguments: [
        ("http://example.com/a?b", "http", "example.com", "/a?b"),
        ("HTTPS://Example.com:8443", "https", "Example.com:8443", "/"),
        ("http://[::1]:8080?q", "http", "[::1]:8080", "/?q"),
        ("http://x/a#fragment", "http", "x", "/a"),
    ])
    func split(target: String, scheme: String, authority: String, path: String) throws {
        let absolute = try #require(AbsoluteTarget(target))
        #expect(absolute == AbsoluteTarget(unchecked: scheme, authority, path))
    }

    @Test(arguments: [
        "http://", "http:///a", "http://:80/a", "http://a b/", "http://user@x/", "http://x:123456/", "ftp://x/",
        "http:/x/", "//x/a", "http://[zz]/",
    ])
    func refused(target: String) {
        #expect(AbsoluteTarget(target) == nil, "\(target)")
    }

    @Test func aSchemeMarksAnAbsoluteForm() {
        #expect(AbsoluteTarget.hasScheme("ftp://x/"))
        #expect(AbsoluteTarget.hasScheme("h2+x.y-z://x/"))
        #expect(!AbsoluteTarget.hasScheme("*"))
        #expect(!AbsoluteTarget.hasScheme("example.com:443"))
        #expect(!AbsoluteTarget.hasScheme("1http://x/"))
    }
}

extension AbsoluteTarget {
    fileprivate init(unchecked scheme: String, _ authority: String, _ path: String) {
        self = AbsoluteTarget("http://x")!
        self.scheme = scheme
        self.authority = authority
        self.path = path
    }
}
