import JourneyStaticFiles
import Testing

@Suite struct RequestPathTests {
    private func resolve(_ path: String, dotfiles: Bool = false) -> Result<RequestPath, RequestPath.Rejection> {
        RequestPath.resolve(path, allowDotfiles: dotfiles)
    }

    @Test(arguments: [
        ("/", ""), ("/a/b.txt", "a/b.txt"), ("//a///b", "a/b"), ("/a/./b", "a/b"), ("/a/../b", "b"),
        ("/a/%2e%2e/b", "b"), ("/a%20b", "a b"), ("/%C3%A9t%C3%A9", "été"), ("/a/b/..", "a"),
        ("/a%5c..%5cb", "a\\..\\b"), ("/a/%2E/b", "a/b"),
    ])
    func resolvesInsideTheRoot(_ input: String, _ relative: String) throws {
        let path = try self.resolve(input).get()
        #expect(path.relative == relative)
    }

    @Test(arguments: [
        "/..", "/../etc/passwd", "/a/../../etc", "/%2e%2e/etc/passwd", "/%2E%2E/%2e%2e/x", "/a/%00", "/a%00.html",
        "/%zz", "/%4", "relative", "", "*", "/%ff%fe",
    ])
    func rejectsMalformedOrEscapingPaths(_ input: String) {
        #expect(self.resolve(input) == .failure(.malformed))
    }

    @Test(arguments: ["/a%2fb", "/a%2Fb/c", "/.git/config", "/a/.env", "/.hidden", "/%2egit/HEAD", "/..%5c..%5cetc"])
    func hidesEncodedSlashesAndDotfiles(_ input: String) {
        #expect(self.resolve(input) == .failure(.hidden))
    }

    @Test func servesDotfilesWhenAllowed() throws {
        #expect(try self.resolve("/.well-known/x", dotfiles: true).get().relative == ".well-known/x")
        #expect(self.resolve("/a%2fb", dotfiles: true) == .failure(.hidden))
    }

    @Test func remembersTrailingSlash() throws {
        #expect(try self.resolve("/dir/").get().hasTrailingSlash)
        #expect(try self.resolve("/dir/.").get().hasTrailingSlash)
        #expect(try !self.resolve("/dir").get().hasTrailingSlash)
    }

    @Test func encodesDirectoryForRedirects() throws {
        #expect(try self.resolve("/a%20b/c").get().encodedDirectory == "/a%20b/c/")
        #expect(try self.resolve("/").get().encodedDirectory == "/")
        #expect(RequestPath.percentEncode("<x>\"&'") == "%3Cx%3E%22%26%27")
    }

    @Test func neverCrashesOnArbitraryBytes() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("/.%2eEfF0aA\\:?#\u{0}é")
        for _ in 0..<5000 {
            let length = Int(generator.next() % 24)
            let path = String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
            if case .success(let resolved) = self.resolve("/" + path) {
                #expect(!resolved.segments.contains(".."))
                #expect(!resolved.segments.contains { $0.contains("/") || $0.contains("\u{0}") || $0.isEmpty })
            }
        }
    }
}
