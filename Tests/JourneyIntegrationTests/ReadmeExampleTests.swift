import Foundation
import JourneyTestSupport
import Testing

/// The README's complete site example, run as written: in an empty folder, with the `journey` just built first on
/// the PATH. What it prints is what the README says it prints.
@Suite(
    .requires(.curl, .openssl),
    .timeLimit(.minutes(2)),
    .enabled(if: JourneyBinary.url != nil || ExternalTool.isCI, "needs the journey binary (swift build)")
)
struct ReadmeExampleTests {
    /// The shell block after `<!-- example: a site in a file -->` in README.md.
    static func example() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        guard let marker = readme.range(of: "<!-- example: a site in a file -->\n```sh\n"),
            let end = readme.range(of: "\n```", range: marker.upperBound..<readme.endIndex)
        else { throw MissingExample() }
        return String(readme[marker.upperBound..<end.lowerBound])
    }

    struct MissingExample: Error {}

    @Test func theCompleteSiteExampleRunsAsWritten() async throws {
        let directory = try TemporaryDirectory()
        let binary = URL(fileURLWithPath: try JourneyBinary.require()).deletingLastPathComponent().path
        let script = "cd '\(directory.path)' && export PATH='\(binary)':\"$PATH\"\n" + (try Self.example())
        let run = try await Process.output(of: "bash", arguments: ["-eu", "-c", script])
        let output = String(decoding: run.standardOutput, as: UTF8.self)
        let errors = String(decoding: run.standardError, as: UTF8.self)
        #expect(run.status == 0, "\(output)\n\(errors)")
        let lines = output.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "journey: journey.yaml is valid",
                "<!doctype html><title>App</title><div id=\"app\"></div>",
                "301 https://www.example.test:8443/pricing?plan=pro",
                "{\"topic\":\"news\",\"subscribers\":0}",
                "401",
                "for staff only",
                "308 https://127.0.0.1:8443/",
            ],
            "\(errors)"
        )
    }
}
