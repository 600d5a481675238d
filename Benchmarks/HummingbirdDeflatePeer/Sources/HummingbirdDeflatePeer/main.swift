// A Hummingbird 2 WebSocket echo at /ws with permessage-deflate, on one event loop, for Benchmarks/ws.sh.
//
//   HummingbirdDeflatePeer PORT
import Hummingbird
import HummingbirdWSCompression
import HummingbirdWebSocket
import Logging
import NIOPosix

let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 8080
var logger = Logger(label: "hummingbird-deflate-peer")
logger.logLevel = .error

// ws.sh waits for a plain GET of / to answer before it starts the load.
let router = Router()
router.get("/") { _, _ in "hi\n" }

let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
webSocketRouter.ws("/ws") { _, _ in
    .upgrade([:])
} onUpgrade: { inbound, outbound, _ in
    for try await message in inbound.messages(maxSize: 1 << 24) {
        switch message {
        case .text(let text): try await outbound.write(.text(text))
        case .binary(let bytes): try await outbound.write(.binary(bytes))
        }
    }
}

let app = Application(
    router: router,
    server: .http1WebSocketUpgrade(
        webSocketRouter: webSocketRouter,
        configuration: .init(ws: .init(maxFrameSize: 1 << 24, extensions: [.perMessageDeflate()]))
    ),
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
    eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup(numberOfThreads: 1)),
    logger: logger
)
try await app.runService()
