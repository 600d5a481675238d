// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Journey",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Journey", targets: ["Journey"]),
        // The stages on their own, for embedders who build their own server (and for Fuzz/).
        .library(name: "JourneyHTTP1", targets: ["JourneyHTTP1"]),
        .library(name: "JourneyHTTP2", targets: ["JourneyHTTP2"]),
        .library(name: "JourneyStaticFiles", targets: ["JourneyStaticFiles"]),
        .library(name: "JourneyWire", targets: ["JourneyWire"]),
        .library(name: "JourneyRESP", targets: ["JourneyRESP"]),
        .library(name: "JourneyWebSocket", targets: ["JourneyWebSocket"]),
        // A configuration file (YAML) read into the `Configuration` tree, as `journey run --config` reads it.
        .library(name: "JourneyConfigurationFile", targets: ["JourneyConfigurationFile"]),
        // Users test their routers with it, in-process or against a live server.
        .library(name: "JourneyTesting", targets: ["JourneyTesting"]),
        .executable(name: "journey", targets: ["journey"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // permessage-deflate's zlib streams.
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        // Tests only: WSClient, a real WebSocket client.
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // Tests only: launches curl, nghttp, redis-cli, redis-server and journey (Foundation's Process.run()
        // reads past a buffer's end on every launch, and crashed CI runs now and then).
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        // Already in the graph (swift-nio's own): a lock-free counter for request ids (Synchronization's Atomic needs
        // macOS 15).
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        // The site configuration file (`journey run --config`): YAML read into nodes that keep their line.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "JourneyCore",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "JourneyAccept",
            dependencies: [
                "JourneyConnection",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "JourneyConnection",
            dependencies: [
                "JourneyCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "JourneyHTTP1",
            dependencies: [
                "JourneyCore",
                "JourneyConnection",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "JourneyTLS",
            dependencies: [
                "JourneyCore",
                "JourneyConnection",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCertificateReloading", package: "swift-nio-extras"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "JourneyHTTP2",
            dependencies: [
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                "JourneyCore",
                "JourneyConnection",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP2", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "JourneyStaticFiles",
            dependencies: [
                "JourneyCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "JourneyObserve",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                "JourneyCore",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "JourneyWebSocket",
            dependencies: [
                "JourneyCore",
                "JourneyConnection",
                "JourneyHTTP1",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "JourneyWire",
            dependencies: [
                "JourneyCore",
                "JourneyConnection",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "JourneyRESP",
            dependencies: [
                "JourneyWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "JourneySite",
            dependencies: ["JourneyStaticFiles"],
            exclude: ["Site"],
            plugins: ["EmbedSitePlugin"]
        ),
        .executableTarget(name: "EmbedSiteTool"),
        .plugin(
            name: "EmbedSitePlugin",
            capability: .buildTool(),
            dependencies: ["EmbedSiteTool"]
        ),
        // libxcrypt's crypt(3): basic authentication checks password hashes with the system's own code.
        .systemLibrary(name: "CCrypt", providers: [.apt(["libcrypt-dev"])]),
        // Debian's libbrotli and libzstd: responses compressed on the fly (gzip is compress-nio's zlib).
        .systemLibrary(name: "CBrotli", providers: [.apt(["libbrotli-dev"])]),
        .systemLibrary(name: "CZstd", providers: [.apt(["libzstd-dev"])]),
        .target(
            name: "Journey",
            dependencies: [
                "CCrypt",
                .product(name: "Atomics", package: "swift-atomics"),
                "CBrotli",
                "CZstd",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                "JourneyCore",
                "JourneyAccept",
                "JourneyConnection",
                "JourneyHTTP1",
                "JourneyHTTP2",
                "JourneyTLS",
                "JourneyStaticFiles",
                "JourneyObserve",
                "JourneySite",
                "JourneyWebSocket",
                "JourneyWire",
                "JourneyRESP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ]
        ),
        // The configuration file: YAML keys one to one onto `Configuration`, `JOURNEY_` variables over them.
        .target(
            name: "JourneyConfigurationFile",
            dependencies: [
                "Journey",
                "JourneyTLS",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "journey",
            dependencies: [
                "Journey",
                "JourneyConfigurationFile",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The journey's own cost per request, without the network (Benchmarks/RESULTS.md).
        .executableTarget(
            name: "journey-cost",
            dependencies: ["JourneyConnection", "JourneyCore"],
            path: "Benchmarks/JourneyCost"
        ),
        // The least a NIO server can do per request: the floor under journey's figures (Benchmarks/compare.sh).
        .executableTarget(
            name: "journey-nio-floor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Benchmarks/NIOFloor"
        ),
        // A WebSocket load generator: echo throughput, broadcast latency, idle connections (Benchmarks/).
        .executableTarget(
            name: "journey-wsload",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            path: "Benchmarks/WSLoad"
        ),
        .target(
            name: "JourneyTesting",
            dependencies: [
                "Journey",
                "JourneyConnection",
                "JourneyCore",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP2", package: "swift-nio-extras"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // A routed server: a route among many, and a stack of middleware (Benchmarks/api.sh).
        .executableTarget(
            name: "journey-route-load",
            dependencies: [
                "Journey",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
            ],
            path: "Benchmarks/RouteLoad"
        ),
        // What the stages' unit tests share; nothing above the stages (no server, no subprocesses).
        .target(
            name: "JourneyStageTestSupport",
            dependencies: [
                "JourneyCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "JourneyTestSupport",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                "JourneyStageTestSupport",
                "Journey",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "JourneyTests",
            dependencies: ["Journey", "JourneyTesting"]
        ),
        .testTarget(
            name: "JourneyConfigurationFileTests",
            dependencies: ["Journey", "JourneyConfigurationFile", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "JourneyCoreTests",
            dependencies: ["JourneyCore"]
        ),
        .testTarget(
            name: "JourneyObserveTests",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                "JourneyCore",
                "JourneyObserve",
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "JourneyWebSocketTests",
            dependencies: [
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                "JourneyCore",
                "JourneyWebSocket",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "JourneyWireTests",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                "JourneyWire",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
            ]
        ),
        .testTarget(
            name: "JourneyRESPTests",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                "JourneyRESP",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "JourneyHTTP2Tests",
            dependencies: [
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                "JourneyConnection",
                "JourneyCore",
                "JourneyHTTP2",
                "JourneyStageTestSupport",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP2", package: "swift-nio-extras"),
            ]
        ),
        .testTarget(
            name: "JourneyTLSTests",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                "JourneyTLS",
                "JourneyStageTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "JourneyConnectionTests",
            dependencies: [
                "JourneyCore",
                "JourneyConnection",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "JourneyStaticFilesTests",
            dependencies: [
                "JourneyCore",
                "JourneyStaticFiles",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "JourneyHTTP1Tests",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                "JourneyConnection",
                "JourneyCore",
                "JourneyHTTP1",
                "JourneyStageTestSupport",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "JourneyIntegrationTests",
            dependencies: [
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                "Journey",
                // The stages' plumbing (`package`), which `import Journey` does not show.
                "JourneyAccept",
                "JourneyConnection",
                "JourneyCore",
                "JourneyHTTP1",
                "JourneyObserve",
                "JourneyRESP",
                "JourneyTestSupport",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "WSCompression", package: "swift-websocket"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
