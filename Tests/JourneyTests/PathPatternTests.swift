import Testing

@testable import Journey

/// A rule's path: prefixes, exact paths and POSIX regular expressions, with the literal text an anchored
/// expression starts with checked first.
struct PathPatternTests {
    @Test(arguments: [
        ("^/post/([0-9]+)$", "/post/"), ("^/a.b", "/a"), ("^/docs?/", "/doc"), ("^/x{2}", "/"), ("^/blog+/", "/blog"),
        ("/anywhere", ""), ("^\\\\.well", ""), ("^(a|b)", ""),
    ])
    func anAnchoredExpressionStartsWithItsLiteralText(expression: String, literal: String) {
        #expect(PathPattern.literalPrefix(of: expression) == literal)
    }

    @Test func patternsMatchAsNginxLocationsDo() throws {
        let prefix = try PathPattern("/docs/")
        #expect(prefix.match("/docs/a/b")?.rest == "a/b")
        #expect(prefix.match("/doc") == nil)
        let exact = try PathPattern("= /moved")
        #expect(exact.match("/moved") != nil)
        #expect(exact.match("/moved/") == nil)
        let regex = try PathPattern("~ ^/post/([0-9]+)/(.*)$")
        #expect(regex.match("/post/42/hello")?.groups == ["42", "hello"])
        #expect(regex.match("/post/x/hello") == nil)
        #expect(regex.match("/other/42/x") == nil)
        let anywhere = try PathPattern("~* \\.(PNG|jpg)$")
        #expect(anywhere.match("/a/b.png") != nil)
        #expect(anywhere.match("/a/b.gif") == nil)
        #expect(throws: PathPattern.PatternError.self) { try PathPattern("~ ^/(unclosed") }
        #expect(throws: PathPattern.PatternError.self) { try PathPattern("relative/") }
    }
}

/// The fast path's question, asked of the rules laid out as bytes, answers as the patterns themselves do.
struct RulePathsTests {
    @Test(arguments: ["/", "/index.html", "/r1/x", "/r1", "/old0.html", "/old0.htmlx", "/post3/42", "/post3/x", "/Ü/é"])
    func theLaidOutRulesAnswerAsThePatternsDo(path: String) throws {
        let patterns = try ["/r1/", "= /old0.html", "~ ^/post3/([0-9]+)$", "~ \\.php$", "/Ü/"].map(PathPattern.init)
        let paths = RulePaths(patterns)
        #expect(paths.anyMatches(path[...]) == patterns.contains { $0.match(path[...]) != nil })
    }
}
