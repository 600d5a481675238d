// swift-tools-version:6.1
// libFuzzer targets for Journey's own parsers. Build and run with ./run.sh (Linux; needs clang's fuzzer runtime,
// which the Swift toolchain ships).
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, which differs between checkouts.
let journeyPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent

// run.sh builds everything with AddressSanitizer and coverage instrumentation (-sanitize-coverage), so that
// libFuzzer sees the edges of Journey's own code. libFuzzer is linked without its main() (`fuzzer_no_main`)
// and driven by FuzzSupport: `swift build --sanitize fuzzer` would link libFuzzer's main() into every
// executable, the site plugin's tool included, and SwiftPM names each executable's entry point itself.
func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: dependencies + ["FuzzSupport"])
}

/// libFuzzer without its main(): FuzzSupport's `fuzzMain` drives it.
/// run.sh finds the archive in the Swift toolchain and passes its path in FUZZER_NO_MAIN.
let fuzzerArchive = ProcessInfo.processInfo.environment["FUZZER_NO_MAIN"] ?? "libclang_rt.fuzzer_no_main-x86_64.a"
let fuzzSupport = Target.target(
    name: "FuzzSupport",
    linkerSettings: [.unsafeFlags(["-Xlinker", fuzzerArchive]), .linkedLibrary("stdc++")]
)

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
        fuzzSupport,
        fuzzTarget("FuzzByteRange", [staticFiles]),
        fuzzTarget("FuzzRequestPath", [staticFiles]),
        fuzzTarget("FuzzAcceptEncoding", [staticFiles]),
        fuzzTarget("FuzzPreconditions", [staticFiles]),
        fuzzTarget("FuzzDirectoryListing", [staticFiles]),
        fuzzTarget(
            "FuzzRESP",
            [
                .product(name: "JourneyRESP", package: journeyPackage),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        fuzzTarget(
            "FuzzHTTP2",
            [
                .product(name: "JourneyHTTP2", package: journeyPackage),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        fuzzTarget(
            "FuzzHTTP1",
            [
                .product(name: "JourneyHTTP1", package: journeyPackage),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        // The session's state machine is internal: the debug build is testable, so the target imports it @testable.
        fuzzTarget(
            "FuzzWebSocketSession",
            [
                .product(name: "JourneyWebSocket", package: journeyPackage),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
    ]
)
