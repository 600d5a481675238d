// swift-tools-version:6.1
// libFuzzer targets for Journey's own parsers. Build and run with ./run.sh (Linux; needs clang's fuzzer runtime,
// which the Swift toolchain ships).
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, which differs between checkouts.
let journeyPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent

// Built with `swift build --sanitize fuzzer --sanitize address` (run.sh): libFuzzer supplies main().
let fuzzerFlags: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: dependencies, swiftSettings: fuzzerFlags)
}

// The stage libraries only: the full `Journey` product brings a build-tool plugin, whose tool would be
// linked with libFuzzer's main() too.
let staticFiles = Target.Dependency.product(name: "JourneyStaticFiles", package: journeyPackage)

let package = Package(
    name: "JourneyFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
    ],
    targets: [
        fuzzTarget("FuzzByteRange", [staticFiles]),
        fuzzTarget("FuzzRequestPath", [staticFiles]),
        fuzzTarget("FuzzAcceptEncoding", [staticFiles]),
        fuzzTarget("FuzzPreconditions", [staticFiles]),
        fuzzTarget("FuzzDirectoryListing", [staticFiles]),
        fuzzTarget(
            "FuzzHTTP1",
            [
                .product(name: "JourneyHTTP1", package: journeyPackage),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
    ]
)
