// swift-tools-version:6.1
import PackageDescription

// A JSON API on Journey, as a user would build it: its own package, depending on Journey by path.
let package = Package(
    name: "TodoAPI",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "todo-api", targets: ["todo-api"])
    ],
    dependencies: [
        .package(name: "Journey", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // SQLite through NIO's thread pool: every query runs off the event loops.
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
    ],
    targets: [
        .target(
            name: "TodoAPI",
            dependencies: [
                .product(name: "Journey", package: "Journey"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "todo-api",
            dependencies: [
                "TodoAPI",
                .product(name: "Journey", package: "Journey"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "TodoAPITests",
            dependencies: [
                "TodoAPI",
                .product(name: "Journey", package: "Journey"),
                .product(name: "JourneyTesting", package: "Journey"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
