import Foundation
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

    /// Random paths from a seed that is printed, and taken from `JOURNEY_TEST_SEED` when set: a failure replays.
    @Test func neverCrashesOnArbitraryBytes() {
        let seed =
            ProcessInfo.processInfo.environment["JOURNEY_TEST_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: .min ... .max)
        print("RequestPathTests.neverCrashesOnArbitraryBytes: JOURNEY_TEST_SEED=\(seed)")
        var generator = SplitMix64(seed: seed)
        let alphabet = Array("/.%2eEfF0aA\\:?#\u{0}é")
        for _ in 0..<5000 {
            let length = Int(generator.next() % 24)
            let path = String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
            if case .success(let resolved) = self.resolve("/" + path) {
                #expect(!resolved.segments.contains(".."), "JOURNEY_TEST_SEED=\(seed): \(path.debugDescription)")
                #expect(
                    !resolved.segments.contains { $0.contains("/") || $0.contains("\u{0}") || $0.isEmpty },
                    "JOURNEY_TEST_SEED=\(seed): \(path.debugDescription)"
                )
            }
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood): a tiny generator whose whole sequence follows from its seed.
private struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = self.state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
