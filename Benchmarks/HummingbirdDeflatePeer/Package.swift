// swift-tools-version:6.0
// Benchmarks/ws.sh's permessage-deflate echo needs a Hummingbird with deflate on; the shared peer
// (../shared/peers/hummingbird-peer) offers none. The same Hummingbird and the same echo, with
// HummingbirdWSCompression's permessage-deflate (its defaults).
import PackageDescription

let package = Package(
    name: "hummingbird-deflate-peer",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", exact: "2.8.1"),
    ],
    targets: [
        .executableTarget(
            name: "HummingbirdDeflatePeer",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSCompression", package: "hummingbird-websocket"),
            ]
        )
    ]
)
