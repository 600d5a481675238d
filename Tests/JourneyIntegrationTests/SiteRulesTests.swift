import Foundation
import Journey
import JourneyTestSupport
import NIOConcurrencyHelpers
import Testing

/// A site's rules over real sockets, each as curl sees it: redirects, rewrites, try_files, header rules, access by
/// network, basic authentication with crypt(3) hashes, rate limits, body limits and error pages.
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct SiteRulesTests {
    /// `open sesame`, hashed by Python's crypt module (libxcrypt): bcrypt and yescrypt.
    static let bcrypt = "$2b$05$Fj1yk1UYIcMsrb2I390voeewuHSmzI6HfboKfgXaOSqlP/XnJJLwq"
    static let yescrypt = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$6JlLzEdKMvGk83Zgd3owplAejssJr2SFlJFlOc7i54A"

    /// A site serving a folder with `rules`, and the folder.
    private static func site(_ rules: [SiteRule]) throws -> (Configuration, TemporaryDirectory) {
        let folder = try TemporaryDirectory()
        try folder.write("home\n", to: "index.html")
        try folder.write("new page\n", to: "new/page.html")
        try folder.write("app shell\n", to: "app/index.html")
        try folder.write("asset\n", to: "app/main.js")
        try folder.write("not here\n", to: "errors/404.html")
        try folder.write("private\n", to: "private/notes.txt")
        var site = Configuration.Site(hosts: ["site.test"], staticFiles: StaticFileOptions(root: folder.path))
        site.isDefault = true
        site.rules = rules
        var configuration = Configuration()
        configuration.sites = [site]
        return (configuration, folder)
    }

    @Test func redirectsByPrefixExactPathAndRegularExpression() async throws {
        var old = SiteRule(path: "/old/")
        old.redirect = .init(to: "/new/$rest$query", status: 308)
        var exact = SiteRule(path: "= /moved")
        exact.redirect = .init(to: "https://example.com/")
        var post = SiteRule(path: "~ ^/post/([0-9]+)/([a-z-]+)$")
        post.redirect = .init(to: "/articles/$2?id=$1", status: 302)
        let (configuration, folder) = try Self.site([old, exact, post])
        try await TestServer.with(configuration) { server in
            let prefix = try await server.curl([server.url("/old/page.html?x=1")])
            #expect(prefix.status == 308)
            #expect(prefix.headers["location"] == "/new/page.html?x=1")
            let moved = try await server.curl([server.url("/moved")])
            #expect(moved.status == 301)
            #expect(moved.headers["location"] == "https://example.com/")
            #expect(try await server.curl([server.url("/moved/not")]).status == 404)
            let regex = try await server.curl([server.url("/post/42/hello-world")])
            #expect(regex.status == 302)
            #expect(regex.headers["location"] == "/articles/hello-world?id=42")
            // curl follows the redirect to the page.
            #expect(try await server.curl(["-L", server.url("/old/page.html")]).text == "new page\n")
        }
        _ = folder
    }

    @Test func aRewriteAndASinglePageAppFallbackServeAnotherPathUnseen() async throws {
        var rewrite = SiteRule(path: "~ ^/p/(.*)$")
        rewrite.rewrite = "/new/$1"
        var app = SiteRule(path: "/app/")
        app.tryFiles = ["$path", "/app/index.html"]
        let (configuration, folder) = try Self.site([rewrite, app])
        try await TestServer.with(configuration) { server in
            let rewritten = try await server.curl([server.url("/p/page.html")])
            #expect(rewritten.status == 200)
            #expect(rewritten.text == "new page\n")
            #expect(try await server.curl([server.url("/app/main.js")]).text == "asset\n")
            let deep = try await server.curl([server.url("/app/users/7/settings")])
            #expect(deep.status == 200)
            #expect(deep.text == "app shell\n")
        }
        _ = folder
    }

    @Test func headerRulesAddSetAndRemoveOnEveryAnswerOfTheirPaths() async throws {
        var everything = SiteRule(path: "/")
        everything.headers.set = ["Strict-Transport-Security": "max-age=63072000", "Cache-Control": "no-cache"]
        everything.headers.add = ["X-Frame-Options": "DENY"]
        everything.headers.remove = ["ETag"]
        let (configuration, folder) = try Self.site([everything])
        try await TestServer.with(configuration) { server in
            for path in ["/index.html", "/missing"] {
                let answer = try await server.curl([server.url(path)])
                #expect(answer.headers["strict-transport-security"] == "max-age=63072000", "\(path)")
                #expect(answer.headers["cache-control"] == "no-cache", "\(path)")
                #expect(answer.headers["x-frame-options"] == "DENY", "\(path)")
                #expect(answer.headers["etag"] == nil, "\(path)")
            }
        }
        _ = folder
    }

    @Test func accessByNetworkRefusesWhoIsNotAllowedOrIsDenied() async throws {
        var denied = SiteRule(path: "/private/")
        denied.deny = ["127.0.0.0/8"]
        var allowed = SiteRule(path: "/new/")
        allowed.allow = ["127.0.0.1/32", "::1"]
        var elsewhere = SiteRule(path: "= /index.html")
        elsewhere.allow = ["10.0.0.0/8"]
        let (configuration, folder) = try Self.site([denied, allowed, elsewhere])
        try await TestServer.with(configuration) { server in
            let deniedPage = try await server.curl([server.url("/private/notes.txt")])
            let allowedPage = try await server.curl([server.url("/new/page.html")])
            let onlyElsewhere = try await server.curl([server.url("/index.html")])
            #expect(deniedPage.status == 403)
            #expect(allowedPage.status == 200)
            #expect(onlyElsewhere.status == 403)
        }
        _ = folder
    }

    @Test(arguments: [Self.bcrypt, Self.yescrypt])
    func basicAuthenticationChecksTheHashWithCrypt(hash: String) async throws {
        var area = SiteRule(path: "/private/")
        area.basicAuth = .init(realm: "Staff", users: ["ada": hash])
        let (configuration, folder) = try Self.site([area])
        try await TestServer.with(configuration) { server in
            let anonymous = try await server.curl([server.url("/private/notes.txt")])
            #expect(anonymous.status == 401)
            #expect(anonymous.headers["www-authenticate"] == "Basic realm=\"Staff\", charset=\"UTF-8\"")
            #expect(try await server.curl(["-u", "ada:wrong", server.url("/private/notes.txt")]).status == 401)
            #expect(try await server.curl(["-u", "bob:open sesame", server.url("/private/notes.txt")]).status == 401)
            for _ in 0..<2 {
                let admitted = try await server.curl(["-u", "ada:open sesame", server.url("/private/notes.txt")])
                #expect(admitted.status == 200)
                #expect(admitted.text == "private\n")
            }
            // Paths outside the rule ask for nothing.
            #expect(try await server.curl([server.url("/index.html")]).status == 200)
        }
        _ = folder
    }

    @Test func aRateLimitRefusesWhatGoesBeyondItsBurstWith429AndRetryAfter() async throws {
        var limited = SiteRule(path: "/new/")
        // One request every 1,000 s: however slow four curls are on a loaded machine, the bucket cannot leak a request.
        limited.rateLimit = .init(requestsPerSecond: 0.001, burst: 2, nodelay: true)
        let (configuration, folder) = try Self.site([limited])
        try await TestServer.with(configuration) { server in
            // One at the rate and two of burst pass at once; the fourth is refused until the bucket leaks.
            var statuses: [Int] = []
            var retryAfter: String?
            for _ in 0..<4 {
                let answer = try await server.curl([server.url("/new/page.html")])
                statuses.append(answer.status)
                if answer.status == 429 { retryAfter = answer.headers["retry-after"] }
            }
            #expect(statuses == [200, 200, 200, 429])
            // Three requests hold 3,000 s, the burst allows 2,000: the next may come after the rest, ~1,000 s.
            #expect(retryAfter.flatMap { Int($0) }.map { (900...1000).contains($0) } == true, "\(retryAfter ?? "none")")
            // Other paths are not limited.
            #expect(try await server.curl([server.url("/index.html")]).status == 200)
        }
        _ = folder
    }

    @Test func aRuleBodyLimitAndAnErrorPageOfTheSite() async throws {
        var uploads = SiteRule(path: "/new/")
        uploads.maximumBodySize = 16
        uploads.rewrite = "/missing"
        uploads.errorPages = [404: "/errors/404.html"]
        let (configuration, folder) = try Self.site([uploads])
        try await TestServer.with(configuration) { server in
            let large = try await server.curl([
                "--data-binary", String(repeating: "x", count: 64), server.url("/new/upload"),
            ])
            #expect(large.status == 413)
            let missing = try await server.curl([server.url("/new/anything")])
            #expect(missing.status == 404)
            #expect(missing.text == "not here\n")
        }
        _ = folder
    }

    @Test func aHotFileNoRuleMatchesKeepsTheFastPath() async throws {
        var rules: [SiteRule] = []
        for index in 0..<20 {
            var rule = SiteRule(path: index.isMultiple(of: 2) ? "/r\(index)/" : "~ ^/x\(index)/(.*)$")
            rule.headers.set = ["X-Rule": "\(index)"]
            rules.append(rule)
        }
        let (configuration, folder) = try Self.site(rules)
        try folder.write("ruled\n", to: "r0/page.html")
        try await TestServer.with(configuration) { server in
            // A hot file's GETs are answered ahead of the parser; the first of a pair makes it hot, and a pair that
            // crossed the cache's second is asked again (a few times at most).
            func fastPathAnswers(for path: String) async throws -> UInt64 {
                var answered: UInt64 = 0
                var tries = 0
                repeat {
                    await server.server.collectStatistics()
                    let before = server.server.statistics.snapshot().totals.fastPathAnswers
                    _ = try await server.curl(["-H", "Host: site.test", server.url(path), server.url(path)])
                    await server.server.collectStatistics()
                    answered = server.server.statistics.snapshot().totals.fastPathAnswers - before
                    tries += 1
                } while answered == 0 && tries < 10
                return answered
            }
            let untouched = try await fastPathAnswers(for: "/index.html")
            // A path a rule matches is always the rule's, by the full path, and the rule's field is there.
            let ruled = try await fastPathAnswers(for: "/r0/page.html")
            let ruledAnswer = try await server.curl([server.url("/r0/page.html")])
            #expect(untouched >= 1)
            #expect(ruled == 0)
            #expect(ruledAnswer.headers["x-rule"] == "0")
        }
        _ = folder
    }

    @Test func theRuleThatAnsweredShowsInServerTimingAndTheJourneyLog() async throws {
        var old = SiteRule(path: "/old/")
        old.redirect = .init(to: "/new/$rest")
        var area = SiteRule(path: "/private/")
        area.basicAuth = .init(realm: "Staff", users: ["ada": Self.bcrypt])
        var (configuration, folder) = try Self.site([old, area])
        configuration.observe.sendsServerTiming = true
        configuration.observe.accessLogPath = folder.path + "/access.log"
        configuration.observe.accessLogFormat = .journey
        let server = try await TestServer.start(configuration)
        let redirected = try await server.curl([server.url("/old/page.html")])
        let refused = try await server.curl([server.url("/private/notes.txt")])
        let untouched = try await server.curl([server.url("/index.html")])
        try await server.server.shutdown()
        #expect(redirected.headers["server-timing"]?.hasSuffix(", rule;desc=\"redirect /old/\"") == true)
        #expect(refused.headers["server-timing"]?.contains("rule;desc=\"refused:auth /private/\"") == true)
        #expect(untouched.headers["server-timing"]?.contains("rule;") == false)
        let log = try String(contentsOfFile: folder.path + "/access.log", encoding: .utf8).split(separator: "\n")
        #expect(log.count == 3)
        #expect(log[0].contains("\"rule\":\"redirect /old/\""))
        #expect(log[1].contains("\"rule\":\"refused:auth /private/\""))
        #expect(!log[2].contains("\"rule\""))
    }

    @Test func aRuleListsItsDirectoriesInHTMLOrJSON() async throws {
        var published = SiteRule(path: "/new/")
        published.listsDirectories = true
        let (configuration, folder) = try Self.site([published])
        try folder.write("x", to: "new/second \"quoted\".txt")
        try folder.write("", to: "errors/empty/.keep")
        try await TestServer.with(configuration) { server async throws in
            let html = try await server.curl([server.url("/new/")])
            #expect(html.status == 200)
            #expect(html.text.contains("page.html"))
            let json = try await server.curl(["-H", "Accept: application/json", server.url("/new/")])
            #expect(json.headers["content-type"] == "application/json")
            let items = try #require(try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [[String: Any]])
            #expect(items.map { $0["name"] as? String } == ["page.html", "second \"quoted\".txt"])
            #expect(items.first?["size"] as? Int == 9)
            #expect(items.first?["url"] as? String == "./page.html")
            #expect(items.first?["is_dir"] as? Bool == false)
            // Outside the rule the site's folder does not list.
            #expect(try await server.curl([server.url("/errors/")]).status == 403)
        }
    }

    @Test func corsAnswersPreflightsAndMarksAnswersForTheOriginsAllowed() async throws {
        var api = SiteRule(path: "/new/")
        api.cors = CORSMiddleware(allowedOrigins: .only(["https://app.test"]), allowedMethods: [.get, .post])
        let (configuration, folder) = try Self.site([api])
        try await TestServer.with(configuration) { server async throws in
            let preflight = try await server.curl([
                "-X", "OPTIONS", "-H", "Origin: https://app.test", "-H", "Access-Control-Request-Method: POST",
                server.url("/new/page.html"),
            ])
            #expect(preflight.status == 204)
            #expect(preflight.headers["access-control-allow-origin"] == "https://app.test")
            #expect(preflight.headers["access-control-allow-methods"] == "GET, POST")
            let read = try await server.curl(["-H", "Origin: https://app.test", server.url("/new/page.html")])
            #expect(read.text == "new page\n")
            #expect(read.headers["access-control-allow-origin"] == "https://app.test")
            #expect(read.headers["vary"]?.contains("Origin") == true)
            let stranger = try await server.curl(["-H", "Origin: https://evil.test", server.url("/new/page.html")])
            #expect(stranger.headers["access-control-allow-origin"] == nil)
            // Outside the rule nothing is marked.
            let home = try await server.curl(["-H", "Origin: https://app.test", server.url("/index.html")])
            #expect(home.headers["access-control-allow-origin"] == nil)
        }
        _ = folder
    }

    @Test func withoutNodelayABurstIsSpacedToTheRateRatherThanRefused() async throws {
        var limited = SiteRule(path: "/new/")
        // One request every 250 ms, two more may wait their turn.
        limited.rateLimit = .init(requestsPerSecond: 4, burst: 2, nodelay: false)
        let (configuration, folder) = try Self.site([limited])
        try await TestServer.with(configuration) { server async throws in
            let clock = ContinuousClock()
            let start = clock.now
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(try await server.curl([server.url("/new/page.html")]).status) }
            let elapsed = clock.now - start
            #expect(statuses == [200, 200, 200])
            // The second and third waited for their slots: at least two intervals in all.
            #expect(elapsed >= .milliseconds(450), "\(elapsed)")
        }
        _ = folder
    }
}
