import JourneyStaticFiles
import Testing

@Suite struct ContentCodingTests {
    @Test(arguments: [
        ("gzip, deflate, br, zstd", [ContentCoding.brotli, .zstd, .gzip]),
        ("gzip", [.gzip]),
        ("x-gzip", [.gzip]),
        ("br;q=0.5, gzip;q=0.9", [.gzip, .brotli]),
        ("br;q=0, gzip", [.gzip]),
        ("*", [.brotli, .zstd, .gzip]),
        ("*;q=0.1, gzip", [.gzip, .brotli, .zstd]),
        ("*, br;q=0", [.zstd, .gzip]),
        ("identity", []),
        ("", []),
        ("GZIP ; Q=1", [.gzip]),
        ("gzip;q=abc", []),
        ("br;q=1.5", [.brotli]),
    ])
    func ranksAcceptableCodings(_ header: String, _ expected: [ContentCoding]) {
        #expect(ContentCoding.acceptable(from: header) == expected)
    }
}
