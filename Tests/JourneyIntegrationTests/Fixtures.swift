import Foundation
import Journey
import JourneyTestSupport

/// A served folder with every kind of entry the static-file tests need, and a secret just outside it.
final class SiteFixture: Sendable {
    let directory: TemporaryDirectory
    /// The folder to serve (`DIR/site`); `DIR/outside-secret.txt` must never be reachable.
    let root: String
    static let secret = "TOPSECRET-\(UUID().uuidString)"
    /// `site/large.bin`: 1 MiB and 7 bytes, every byte telling its offset (mod 251), so a misplaced chunk shows.
    static let large: [UInt8] = (0..<(1 << 20) + 7).map { UInt8($0 % 251) }
    /// `site/medium.bin`: 20 KiB and 3 bytes, kept in memory yet above the sendfile minimum.
    static let medium: [UInt8] = (0..<(20 << 10) + 3).map { UInt8($0 % 241) }

    /// A configuration that serves the fixture.
    var configuration: Configuration {
        var configuration = Configuration()
        configuration.staticFiles = StaticFileOptions(root: self.root)
        return configuration
    }

    init() throws {
        let directory = try TemporaryDirectory()
        self.directory = directory
        self.root = directory.path + "/site"
        try directory.write(Self.secret, to: "outside-secret.txt")
        try directory.write("<!DOCTYPE html><title>home</title>\n", to: "site/index.html")
        try directory.write("hello\n", to: "site/hello.txt")
        try directory.write("0123456789abcdefghijklmnopqrstuvwxyz", to: "site/alphabet.txt")
        try directory.write("body { color: red }\n", to: "site/style.css")
        try directory.write("{\"a\":1}\n", to: "site/data.json")
        try directory.write("console.log('plain')\n", to: "site/app.js")
        try directory.write("GZIP-BYTES", to: "site/app.js.gz")
        try directory.write("BROTLI-BYTES", to: "site/app.js.br")
        try directory.write("nested\n", to: "site/sub/a.txt")
        try directory.write("<p>sub index</p>\n", to: "site/docs/index.html")
        try directory.write("spaced\n", to: "site/name with space.txt")
        try directory.write("<b>&</b>", to: "site/list/<b>&.txt")
        try directory.write("secret env\n", to: "site/.env")
        try directory.write("[core]\n", to: "site/.git/config")
        // Beyond the in-memory limit and several read chunks long: sent by sendfile, or read in chunks under TLS/HTTP/2.
        try Data(Self.large).write(to: URL(fileURLWithPath: self.root + "/large.bin"))
        try Data(Self.medium).write(to: URL(fileURLWithPath: self.root + "/medium.bin"))
        try FileManager.default.createDirectory(atPath: self.root + "/empty", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: self.root + "/escape",
            withDestinationPath: directory.path + "/outside-secret.txt"
        )
        try FileManager.default.createSymbolicLink(
            atPath: self.root + "/escape-dir",
            withDestinationPath: directory.path
        )
        try FileManager.default.createSymbolicLink(
            atPath: self.root + "/inside",
            withDestinationPath: self.root + "/hello.txt"
        )
    }
}
