import Foundation
import Journey
import JourneyCore
import JourneyTestSupport
import Testing

/// The static-file journey over real sockets with curl, as a user of `journey serve DIR` sees it.
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct StaticFileTests {
    let fixture: SiteFixture
    var configuration: Configuration

    init() throws {
        self.fixture = try SiteFixture()
        self.configuration = self.fixture.configuration
    }

    @Test(arguments: Transport.allCases) func servesAFileWithItsValidatorsAndType(
        over transport: Transport
    ) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            let before = Int(Date().timeIntervalSince1970)
            let result = try await server.curl([server.url("/hello.txt")])
            let after = Int(Date().timeIntervalSince1970)
            #expect(result.status == 200)
            #expect(result.text == "hello\n")
            #expect(result.headers["content-type"] == "text/plain; charset=utf-8")
            #expect(result.headers["content-length"] == "6")
            #expect(result.headers["server"] == "journey")
            #expect(result.headers["accept-ranges"] == "bytes")
            let etag = try #require(result.headers["etag"])
            #expect(etag.hasPrefix("\"") && etag.hasSuffix("\""))
            let lastModified = try #require(result.headers["last-modified"])
            #expect(HTTPDate.parse(lastModified) != nil)
            let date = try #require(result.headers["date"])
            // The second the answer was made in lies between the request and its answer (however slow a loaded machine
            // made the client).
            #expect((before...after).contains(HTTPDate.parse(date) ?? 0))
        }
    }

    /// The first request for a file takes the full path and caches it; the next, within the second, is answered by
    /// the fast path (HTTP/1.1's ahead of llhttp, HTTP/2's without a stream channel). The two must not differ.
    /// `/large.bin` is not kept in memory: plain HTTP/1.1's fast path hands it to sendfile; behind TLS and over
    /// HTTP/2 it takes the full path both times. `/medium.bin` is kept in memory but above the sendfile minimum: plain
    /// HTTP/1.1's fast path sends it by sendfile, the others from memory.
    @Test(arguments: Transport.allCases) func aCachedFileIsAnsweredAsTheFirstRequestWas(
        over transport: Transport
    ) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            let paths = [
                "/hello.txt", "/style.css", "/app.js", "/name%20with%20space.txt", "/sub/a.txt?v=1", "/", "/medium.bin",
                "/large.bin",
            ]
            for path in paths {
                let first = try await server.curl([server.url(path)])
                // Only a file not kept in memory, behind TLS or over HTTP/2, takes the full path again. The cache
                // vouches for a file within the clock's second it last checked it, and two curl processes can be a
                // second apart on a loaded machine: the file is asked for twice on one connection (milliseconds
                // apart), and the pair again, a few times at most, if it crossed a second. Over h2c curl 7.88 cannot
                // reuse a prior-knowledge connection (its own framing error, against nginx too): one at a time there.
                let takesFullPath = path == "/large.bin" && transport != .http1
                let urls = transport == .h2c ? [server.url(path)] : [server.url(path), server.url(path)]
                var cached: Curl.Result
                var answeredAhead: UInt64 = 0
                var tries = 0
                repeat {
                    await server.server.collectStatistics()
                    let before = server.server.statistics.snapshot().totals.fastPathAnswers
                    cached = try await server.curl(urls)
                    await server.server.collectStatistics()
                    answeredAhead = server.server.statistics.snapshot().totals.fastPathAnswers - before
                    tries += 1
                } while !takesFullPath && answeredAhead == 0 && tries < 10
                if takesFullPath {
                    #expect(answeredAhead == 0, "\(path): \(answeredAhead) fast-path answers")
                } else {
                    #expect(answeredAhead >= 1, "\(path): no fast-path answer in \(tries) tries")
                }
                // Every body the same, one after the other (compared as a Bool: a failed comparison of megabytes
                // would make the test library diff them byte by byte).
                let bodies = cached.body == Data(Array(repeating: first.body, count: urls.count).joined())
                #expect(bodies, "\(path): \(cached.body.count) bytes, not \(urls.count) × \(first.body.count)")
                #expect(first.status == 200 && cached.status == 200, "\(path)")
                if path == "/medium.bin" { #expect(Array(first.body) == SiteFixture.medium) }
                var fields = first.headers
                var cachedFields = cached.headers
                #expect(fields.removeValue(forKey: "date") != nil && cachedFields.removeValue(forKey: "date") != nil)
                #expect(fields == cachedFields, "\(path)")
            }
        }
    }

    @Test(
        arguments: Transport.allCases,
        [
            ("/style.css", "text/css; charset=utf-8"), ("/data.json", "application/json; charset=utf-8"),
            ("/index.html", "text/html; charset=utf-8"), ("/app.js", "text/javascript; charset=utf-8"),
        ]
    )
    func choosesTheMediaType(over transport: Transport, _ pathAndType: (String, String)) async throws {
        let (path, type) = pathAndType
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            #expect(try await server.curl([server.url(path)]).headers["content-type"] == type)
        }
    }

    @Test func headSendsTheSameFieldsWithoutABody() async throws {
        try await TestServer.with(self.configuration) { server async throws in
            let get = try await RawClient.exchange("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
            let head = try await RawClient.exchange("HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
            #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(head.hasSuffix("\r\n\r\n"))
            // The same head, byte for byte, but for the Date the two may straddle and the Connection: close a
            // response gets when the client's half-close overtakes it (an uncached file is looked up off the loop).
            let withoutDate = { (text: String) in
                text.replacing(/Date: [^\r]*\r\n/, with: "").replacing("Connection: close\r\n", with: "")
            }
            #expect(withoutDate(head) + "hello\n" == withoutDate(get))
        }
    }

    @Test(arguments: Transport.allCases) func directoriesRedirectServeTheirIndexAndRefuseToList(
        over transport: Transport
    ) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            let redirect = try await server.curl([server.url("/docs?x=1")])
            #expect(redirect.status == 301)
            #expect(redirect.headers["location"] == "/docs/?x=1")
            let index = try await server.curl([server.url("/docs/")])
            #expect(index.status == 200)
            #expect(index.text == "<p>sub index</p>\n")
            let root = try await server.curl([server.url("/")])
            #expect(root.text.contains("<title>home</title>"))
            #expect(try await server.curl([server.url("/sub/")]).status == 403)
            #expect(try await server.curl([server.url("/hello.txt/")]).status == 404)
        }
    }

    @Test(arguments: Transport.allCases) func listsDirectoriesWhenBrowsingIsOn(over transport: Transport) async throws {
        var configuration = self.configuration
        configuration.staticFiles?.listsDirectories = true
        try await TestServer.with(configuration, over: transport) { server async throws in
            let listing = try await server.curl([server.url("/list/")])
            #expect(listing.status == 200)
            #expect(listing.headers["content-type"] == "text/html; charset=utf-8")
            #expect(listing.text.contains("&lt;b&gt;&amp;.txt"))
            #expect(listing.text.contains("href=\"%3Cb%3E%26.txt\""))
            let root = try await server.curl([server.url("/empty/")])
            #expect(root.status == 200)
            let top = try await server.curl([server.url("/sub/")])
            #expect(top.text.contains(">a.txt<"))
            #expect(!(try await server.curl([server.url("/")])).text.contains(".env"))
        }
    }

    @Test(arguments: Transport.allCases) func conditionalRequests(over transport: Transport) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            let first = try await server.curl([server.url("/hello.txt")])
            let etag = try #require(first.headers["etag"])
            let lastModified = try #require(first.headers["last-modified"])

            let notModified = try await server.curl(["-H", "If-None-Match: \(etag)", server.url("/hello.txt")])
            #expect(notModified.status == 304)
            #expect(notModified.body.isEmpty)
            #expect(notModified.headers["etag"] == etag)
            #expect(
                try await server.curl(["-H", "If-Modified-Since: \(lastModified)", server.url("/hello.txt")]).status
                    == 304
            )
            #expect(try await server.curl(["-H", "If-None-Match: \"other\"", server.url("/hello.txt")]).status == 200)
            #expect(try await server.curl(["-H", "If-Match: \"other\"", server.url("/hello.txt")]).status == 412)
            #expect(try await server.curl(["-H", "If-Match: \(etag)", server.url("/hello.txt")]).status == 200)
            #expect(
                try await server.curl([
                    "-H", "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT", server.url("/hello.txt"),
                ])
                .status == 412
            )
        }
    }

    @Test(arguments: Transport.allCases) func byteRanges(over transport: Transport) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            let single = try await server.curl(["-H", "Range: bytes=-6", server.url("/alphabet.txt")])
            #expect(single.status == 206)
            #expect(single.text == "uvwxyz")
            #expect(single.headers["content-range"] == "bytes 30-35/36")

            let multi = try await server.curl(["-H", "Range: bytes=0-1,10-11", server.url("/alphabet.txt")])
            #expect(multi.status == 206)
            let type = try #require(multi.headers["content-type"])
            #expect(type.hasPrefix("multipart/byteranges; boundary="))
            #expect(multi.text.contains("Content-Range: bytes 0-1/36\r\n\r\n01\r\n"))
            #expect(multi.text.contains("Content-Range: bytes 10-11/36\r\n\r\nab\r\n"))
            #expect(multi.headers["content-length"] == String(multi.body.count))

            let unsatisfiable = try await server.curl(["-H", "Range: bytes=100-", server.url("/alphabet.txt")])
            #expect(unsatisfiable.status == 416)
            #expect(unsatisfiable.headers["content-range"] == "bytes */36")

            let etag = try #require(single.headers["etag"])
            let current = try await server.curl([
                "-H", "Range: bytes=0-0", "-H", "If-Range: \(etag)", server.url("/alphabet.txt"),
            ])
            #expect(current.status == 206)
            let stale = try await server.curl([
                "-H", "Range: bytes=0-0", "-H", "If-Range: \"old\"", server.url("/alphabet.txt"),
            ])
            #expect(stale.status == 200)
            #expect(stale.body.count == 36)
        }
    }

    @Test(arguments: Transport.allCases) func largeFilesArriveWholeAndInRanges(over transport: Transport) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            let whole = try await server.curl([server.url("/large.bin")])
            #expect(whole.status == 200)
            #expect(whole.headers["content-length"] == String(SiteFixture.large.count))
            #expect(Array(whole.body) == SiteFixture.large)

            // Across the boundary of two 64 KiB read chunks.
            let range = try await server.curl(["-H", "Range: bytes=65530-131080", server.url("/large.bin")])
            #expect(range.status == 206)
            #expect(Array(range.body) == Array(SiteFixture.large[65530...131080]))

            let multi = try await server.curl(["-H", "Range: bytes=0-2,-3", server.url("/large.bin")])
            #expect(multi.status == 206)
            #expect(multi.headers["content-length"] == String(multi.body.count))
            let tail = SiteFixture.large.suffix(3)
            #expect(multi.body.range(of: Data(tail)) != nil)

            // curl -I prints the head where the body would go; a body after it would show there too.
            let head = try await server.curl(["-I", server.url("/large.bin")])
            #expect(head.status == 200)
            #expect(head.headers["content-length"] == String(SiteFixture.large.count))
            #expect(head.text.hasSuffix("\r\n\r\n"))
        }
    }

    @Test(arguments: Transport.allCases) func precompressedSiblingsFollowAcceptEncoding(
        over transport: Transport
    ) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            let brotli = try await server.curl(["-H", "Accept-Encoding: gzip, br", server.url("/app.js")])
            #expect(brotli.text == "BROTLI-BYTES")
            #expect(brotli.headers["content-encoding"] == "br")
            #expect(brotli.headers["vary"] == "Accept-Encoding")
            #expect(brotli.headers["content-type"] == "text/javascript; charset=utf-8")

            let gzip = try await server.curl(["-H", "Accept-Encoding: gzip", server.url("/app.js")])
            #expect(gzip.text == "GZIP-BYTES")
            #expect(gzip.headers["content-encoding"] == "gzip")
            #expect(gzip.headers["etag"] != brotli.headers["etag"])

            let plain = try await server.curl([server.url("/app.js")])
            #expect(plain.text == "console.log('plain')\n")
            #expect(plain.headers["content-encoding"] == nil)
            #expect(plain.headers["vary"] == "Accept-Encoding")

            let refused = try await server.curl(["-H", "Accept-Encoding: br;q=0, gzip;q=0", server.url("/app.js")])
            #expect(refused.text == "console.log('plain')\n")
        }
    }

    @Test(arguments: Transport.allCases) func dotfilesAreHiddenUnlessAllowed(over transport: Transport) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            #expect(try await server.curl([server.url("/.env")]).status == 404)
            #expect(try await server.curl([server.url("/.git/config")]).status == 404)
        }
        var configuration = self.configuration
        configuration.staticFiles?.servesDotfiles = true
        try await TestServer.with(configuration, over: transport) { server async throws in
            #expect(try await server.curl([server.url("/.env")]).text == "secret env\n")
        }
    }

    @Test(arguments: Transport.allCases) func symlinksOutsideTheRootAreRefusedUnlessFollowed(
        over transport: Transport
    ) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            let escape = try await server.curl([server.url("/escape")])
            #expect(escape.status == 404)
            #expect(!escape.text.contains(SiteFixture.secret))
            #expect(try await server.curl([server.url("/escape-dir/outside-secret.txt")]).status == 404)
            #expect(try await server.curl([server.url("/inside")]).text == "hello\n")
        }
        var configuration = self.configuration
        configuration.staticFiles?.followsSymlinks = true
        try await TestServer.with(configuration, over: transport) { server async throws in
            #expect(try await server.curl([server.url("/escape")]).text == SiteFixture.secret)
        }
    }

    @Test(arguments: [
        "/../outside-secret.txt", "/%2e%2e/outside-secret.txt", "/%2E%2E/%2e%2e/outside-secret.txt",
        "/sub/../../outside-secret.txt", "/sub%2f..%2f..%2foutside-secret.txt", "/..%2foutside-secret.txt",
        "/hello.txt%00", "/%00", "/..\\outside-secret.txt", "/..%5coutside-secret.txt", "/./../outside-secret.txt",
        "//../outside-secret.txt", "/%252e%252e/outside-secret.txt", "/%c0%ae%c0%ae/outside-secret.txt",
    ])
    func traversalNeverLeaks(_ path: String) async throws {
        try await TestServer.with(self.configuration) { server async throws in
            let response = try await RawClient.exchange("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
            let status = Int(response.dropFirst(9).prefix(3)) ?? 0
            #expect([400, 404].contains(status), "\(path) → \(status)")
            #expect(!response.contains(SiteFixture.secret))
        }
    }

    @Test(arguments: Transport.allCases) func namesArePercentDecodedOnce(over transport: Transport) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            #expect(try await server.curl([server.url("/name%20with%20space.txt")]).text == "spaced\n")
            #expect(try await server.curl([server.url("/name%2520with%2520space.txt")]).status == 404)
        }
    }

    @Test(arguments: Transport.allCases) func cacheControlIsAddedWhenConfigured(over transport: Transport) async throws
    {
        var configuration = self.configuration
        configuration.staticFiles?.cacheControl = "public, max-age=3600"
        try await TestServer.with(configuration, over: transport) { server async throws in
            #expect(
                try await server.curl([server.url("/hello.txt")]).headers["cache-control"] == "public, max-age=3600"
            )
        }
    }

    @Test(arguments: Transport.allCases) func otherMethodsGet405WithAllow(over transport: Transport) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            let response = try await server.curl(["-X", "DELETE", server.url("/hello.txt")])
            #expect(response.status == 405)
            #expect(response.headers["allow"] == "GET, HEAD")
            #expect(response.text.contains("405"))
        }
    }

    @Test(arguments: Transport.allCases) func aChangedFileIsServedFresh(over transport: Transport) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            #expect(try await server.curl([server.url("/hello.txt")]).text == "hello\n")
            try self.fixture.directory.write("changed and longer\n", to: "site/hello.txt")
            // The open-file cache trusts an entry for the rest of its second; poll (bounded) for the change.
            var text = ""
            for _ in 0..<300 where text != "changed and longer\n" {
                text = try await server.curl([server.url("/hello.txt")]).text
            }
            #expect(text == "changed and longer\n")
            try FileManager.default.removeItem(atPath: self.fixture.root + "/hello.txt")
            var status = 200
            for _ in 0..<300 where status != 404 {
                status = try await server.curl([server.url("/hello.txt")]).status
            }
            #expect(status == 404)
        }
    }

    /// A file cut short in place (truncated, not replaced) while it is cached: sendfile of its cached length would
    /// send nothing and leave the client waiting. The cache takes such an entry as stale, so every answer after the
    /// cut, within the same second too, is what the file holds now, whole, its Content-Length matching.
    @Test(arguments: Transport.allCases) func aFileTruncatedInPlaceIsStillAnsweredWhole(
        over transport: Transport
    ) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            for (path, bytes) in [("/large.bin", SiteFixture.large), ("/medium.bin", SiteFixture.medium)] {
                for _ in 0..<2 { #expect(try await server.curl([server.url(path)]).body.count == bytes.count) }
                let handle = try #require(FileHandle(forWritingAtPath: self.fixture.root + path))
                try handle.truncate(atOffset: 1000)
                try handle.close()
                for _ in 0..<3 {
                    let after = try await server.curl(["--max-time", "10", server.url(path)])
                    #expect(after.status == 200, "\(path)")
                    #expect(after.headers["content-length"] == String(after.body.count), "\(path)")
                    #expect(Array(after.body) == Array(bytes.prefix(1000)), "\(path): \(after.body.count) bytes")
                }
            }
        }
    }

    @Test(arguments: Transport.allCases) func errorPagesAreHTML(over transport: Transport) async throws {
        try await TestServer.with(self.configuration, over: transport) { server async throws in
            let missing = try await server.curl([server.url("/nope")])
            #expect(missing.status == 404)
            #expect(missing.headers["content-type"] == "text/html; charset=utf-8")
            #expect(missing.text.contains("<h1>404 Not Found</h1>"))
        }
    }

    @Test(arguments: Transport.allCases) func theEmbeddedSiteIsServedWithoutAFolder(
        over transport: Transport
    ) async throws {
        try await TestServer.with(Configuration(), over: transport) { server async throws in
            let home = try await server.curl([server.url("/")])
            #expect(home.status == 200)
            #expect(home.headers["content-type"] == "text/html; charset=utf-8")
            #expect(home.text.contains("Accept"))
            #expect(home.text.contains("sendfile"))
            let css = try await server.curl([server.url("/style.css")])
            #expect(css.headers["content-type"] == "text/css; charset=utf-8")
            let etag = try #require(home.headers["etag"])
            #expect(try await server.curl(["-H", "If-None-Match: \(etag)", server.url("/")]).status == 304)
        }
    }
}
