import Foundation
import Journey
import JourneyTestSupport
import Testing

/// Responses compressed on the fly, decoded by tools that did not make them: Python's gzip module, the `brotli`
/// and `zstd` command-line tools, and curl's own decoders.
@Suite(.requires(.curl, .python, .brotli, .zstd), .timeLimit(.minutes(2)))
struct CompressionTests {
    /// 20 KiB of HTML, a small text file, an image, and a file with its own precompressed sibling.
    private static func folder() throws -> (TemporaryDirectory, String) {
        let folder = try TemporaryDirectory()
        let page = String(repeating: "<p>Every request crosses seven stages.</p>\n", count: 480)
        try folder.write(page, to: "index.html")
        try folder.write("tiny\n", to: "tiny.txt")
        try folder.write(String(repeating: "\u{1}\u{2}", count: 2000), to: "image.png")
        try folder.write(page, to: "app.js")
        try folder.write("precompressed sibling", to: "app.js.gz")
        return (folder, page)
    }

    private static func configuration(_ folder: TemporaryDirectory) -> Configuration {
        var configuration = Configuration()
        configuration.staticFiles = StaticFileOptions(root: folder.path)
        configuration.compression = Configuration.Compression()
        return configuration
    }

    /// The body of `url` as `coding`, decoded by `decoder` (a program reading standard input), and its fields.
    private static func fetch(
        _ url: String,
        coding: String,
        decoder: [String]
    ) async throws -> (String, [String: String]) {
        let fetched = try await Process.output(
            of: "curl",
            arguments: ["-s", "-H", "Accept-Encoding: \(coding)", "-D", "/dev/stderr", url]
        )
        let decoded = try await Process.output(
            of: decoder[0],
            arguments: Array(decoder.dropFirst()),
            input: fetched.standardOutput
        )
        #expect(decoded.status == 0, "\(coding): \(String(decoding: decoded.standardError, as: UTF8.self))")
        var fields: [String: String] = [:]
        for line in String(decoding: fetched.standardError, as: UTF8.self).split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        return (String(decoding: decoded.standardOutput, as: UTF8.self), fields)
    }

    @Test func aFileIsCompressedInEachCodingTheClientAccepts() async throws {
        let (folder, page) = try Self.folder()
        let python = try ExternalTool.python.require()
        let decoders: [(String, [String])] = [
            (
                "gzip",
                [python, "-c", "import gzip, sys; sys.stdout.write(gzip.decompress(sys.stdin.buffer.read()).decode())"]
            ),
            ("br", [try ExternalTool.brotli.require(), "-dc"]),
            ("zstd", [try ExternalTool.zstd.require(), "-dcq"]),
        ]
        try await TestServer.with(Self.configuration(folder)) { server async throws in
            for (coding, decoder) in decoders {
                // Twice: the second answer comes from the cache of compressed files, and must be the same.
                for round in 0..<2 {
                    let (text, fields) = try await Self.fetch(
                        server.url("/index.html"),
                        coding: coding,
                        decoder: decoder
                    )
                    #expect(fields["content-encoding"] == coding, "\(coding) \(round)")
                    #expect(fields["vary"] == "Accept-Encoding", "\(coding) \(round)")
                    #expect(fields["etag"]?.hasPrefix("W/\"") == true, "\(coding) \(round)")
                    #expect(Int(fields["content-length"] ?? "") ?? .max < page.utf8.count / 4)
                    #expect(text == page, "\(coding) \(round)")
                }
            }
            // q-values decide; the server's order breaks ties.
            let preferred = try await server.curl([
                "-H", "Accept-Encoding: gzip;q=0.5, br;q=0.9", server.url("/index.html"),
            ])
            #expect(preferred.headers["content-encoding"] == "br")
            let tie = try await server.curl(["-H", "Accept-Encoding: gzip, zstd, br", server.url("/index.html")])
            #expect(tie.headers["content-encoding"] == "zstd")
            let decoded = try await server.curl(["--compressed", server.url("/index.html")])
            #expect(decoded.text == page)
        }
    }

    @Test func whatMustNotBeCompressedGoesAsItIs() async throws {
        let (folder, page) = try Self.folder()
        try await TestServer.with(Self.configuration(folder)) { server async throws in
            let gzip = ["-H", "Accept-Encoding: gzip"]
            let none = try await server.curl([server.url("/index.html")])
            #expect(none.headers["content-encoding"] == nil)
            #expect(none.headers["vary"] == "Accept-Encoding")
            #expect(none.text == page)
            let refused = try await server.curl(["-H", "Accept-Encoding: gzip;q=0", server.url("/index.html")])
            #expect(refused.headers["content-encoding"] == nil)
            let small = try await server.curl(gzip + [server.url("/tiny.txt")])
            #expect(small.headers["content-encoding"] == nil)
            #expect(small.text == "tiny\n")
            let image = try await server.curl(gzip + [server.url("/image.png")])
            #expect(image.headers["content-encoding"] == nil)
            #expect(image.headers["vary"] == nil)
            let range = try await server.curl(gzip + ["-r", "0-99", server.url("/index.html")])
            #expect(range.status == 206)
            #expect(range.headers["content-encoding"] == nil)
            #expect(range.text == String(page.prefix(100)))
            // A precompressed sibling is sent as it is, not compressed again.
            let sibling = try await server.curl(
                gzip + ["-o", "/dev/null", "-w", "%{size_download}", server.url("/app.js")]
            )
            #expect(sibling.headers["content-encoding"] == "gzip")
        }
    }

    @Test func routesAndStreamsAreCompressedAndAStreamFlushesEachPiece() async throws {
        var router = Router()
        let text = String(repeating: "{\"stage\":\"process\"}", count: 100)
        router.get("/json") { _, _ in
            Response(
                status: .ok,
                headerFields: [.contentType: "application/json"],
                body: .bytes(ByteBuffer(string: text))
            )
        }
        router.get("/uncacheable") { _, _ in
            Response(
                status: .ok,
                headerFields: [.contentType: "application/json", .cacheControl: "no-transform"],
                body: .bytes(ByteBuffer(string: text))
            )
        }
        router.get("/events") { _, _ in
            Response.eventStream(heartbeat: nil) { events in
                try await events.send(ServerSentEvent(data: "first"))
                // The first event must reach the client while the stream is still open.
                try await Task.sleep(for: .seconds(3600))
            }
        }
        var configuration = Configuration()
        configuration.compression = Configuration.Compression()
        try await TestServer.with(configuration, router: router) { server async throws in
            let json = try await server.curl(["--compressed", "-H", "Accept-Encoding: br", server.url("/json")])
            #expect(json.headers["content-encoding"] == "br")
            #expect(json.text == text)
            let kept = try await server.curl(["-H", "Accept-Encoding: br", server.url("/uncacheable")])
            #expect(kept.headers["content-encoding"] == nil)
            // curl gives up after two seconds (exit 28) with what it decoded so far: the first event.
            let events = try await Process.output(
                of: "curl",
                arguments: [
                    "-s", "-N", "--compressed", "-H", "Accept-Encoding: gzip", "--max-time", "2", "-D", "-",
                    server.url("/events"),
                ]
            )
            let output = String(decoding: events.standardOutput, as: UTF8.self)
            #expect(output.lowercased().contains("content-encoding: gzip"), "\(output)")
            #expect(output.contains("data: first"), "\(output)")
        }
    }
}
