// swift-tools-version:6.1
// Microbenchmarks of the hot paths (ordo-one/benchmark): heap allocations and time per operation.
//   cd Benchmarks/HotPaths && swift package --allow-writing-to-package-directory benchmark --no-progress
// (--no-progress: the progress bar crashes under the Swift 6.3 runtime hooks, ordo-one/benchmark#349)
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, which differs between checkouts.
let journeyPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "JourneyHotPaths",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
    ],
    targets: [
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "JourneyHTTP1", package: journeyPackage),
                .product(name: "JourneyStaticFiles", package: journeyPackage),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
