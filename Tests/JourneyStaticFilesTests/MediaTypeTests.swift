import JourneyStaticFiles
import Testing

@Suite struct MediaTypeTests {
    @Test(arguments: [
        ("index.html", "text/html; charset=utf-8"), ("style.CSS", "text/css; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"), ("mod.mjs", "text/javascript; charset=utf-8"),
        ("data.json", "application/json; charset=utf-8"), ("a.png", "image/png"), ("a.jpeg", "image/jpeg"),
        ("a.svg", "image/svg+xml; charset=utf-8"), ("a.wasm", "application/wasm"), ("a.woff2", "font/woff2"),
        ("a.pdf", "application/pdf"), ("a.mp4", "video/mp4"), ("a.webp", "image/webp"), ("a.avif", "image/avif"),
        ("a.txt", "text/plain; charset=utf-8"), ("a.xml", "text/xml; charset=utf-8"), ("a.zip", "application/zip"),
        ("a.ico", "image/x-icon"), ("a.mp3", "audio/mpeg"), ("a.webm", "video/webm"), ("a.tar.gz", "application/gzip"),
        ("Makefile", "application/octet-stream"), ("a.unknownext", "application/octet-stream"),
        (".bashrc", "application/octet-stream"), ("a.", "application/octet-stream"),
    ])
    func mapsExtensions(_ name: String, _ type: String) {
        #expect(MediaType.forFileName(name) == type)
    }
}
