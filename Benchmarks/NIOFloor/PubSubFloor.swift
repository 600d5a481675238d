// The least a SwiftNIO server can do for a pub/sub fan-out: the floor under journey's broadcast figures
// (Benchmarks/ws.sh broadcast, FLOOR=1).
//
//   journey-nio-floor --pubsub [PORT]
//
// NIO's own WebSocket upgrader and frame codec, and one handler that understands just what journey-wsload sends: a
// publish to "bench" is fanned out as it came (the same bytes, framed once) to every connection, one job per event
// loop that writes the frame to each of that loop's sockets from the encoder's place, as journey's hub does; a
// publish to any other topic is answered to its sender alone ("ready"). No JSON, no topics table, no queue limits,
// no counters: what journey does beyond this is what its broadcast costs above the floor.
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Each loop's connections, and the fan-out to all of them.
final class FloorHub: Sendable {
    private let loops: [NIOLoopBoundBox<FloorLoopMembers>]

    init(group: MultiThreadedEventLoopGroup) {
        self.loops = group.makeIterator().map { NIOLoopBoundBox.makeBoxSendingValue(FloorLoopMembers(), eventLoop: $0) }
    }

    /// The members of `loop`'s connections; call on `loop`.
    func members(on loop: any EventLoop) -> FloorLoopMembers {
        self.loops.first { $0.eventLoop === loop }!.value
    }

    /// Writes `frame` to every connection, one job per loop.
    func fanOut(_ frame: ByteBuffer) {
        for bound in self.loops {
            bound.eventLoop.execute {
                for encoder in bound.value.encoders.values { encoder.writeAndFlush(NIOAny(frame), promise: nil) }
            }
        }
    }
}

/// One loop's connections: each one's frame encoder context, written from so the bytes skip it.
final class FloorLoopMembers {
    var encoders: [ObjectIdentifier: ChannelHandlerContext] = [:]
}

/// One connection after the upgrade.
final class FloorSubscriber: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let hub: FloorHub
    private static let bench = Array(#""topic":"bench""#.utf8)

    init(hub: FloorHub) {
        self.hub = hub
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let encoder = try! context.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        self.hub.members(on: context.eventLoop).encoders[ObjectIdentifier(context.channel)] = encoder
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.hub.members(on: context.eventLoop).encoders[ObjectIdentifier(context.channel)] = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        guard frame.opcode == .text else { return }
        let payload = frame.unmaskedData
        let bytes = payload.readableBytesView
        guard bytes.firstRange(of: Array(#""op":"publish""#.utf8)) != nil else { return }
        if bytes.firstRange(of: Self.bench) != nil {
            var encoded = context.channel.allocator.buffer(capacity: payload.readableBytes + 4)
            encoded.writeInteger(UInt8(0x81))
            if payload.readableBytes < 126 {
                encoded.writeInteger(UInt8(payload.readableBytes))
            } else {  // journey-wsload's publishes are under 64 KiB
                encoded.writeInteger(UInt8(126))
                encoded.writeInteger(UInt16(payload.readableBytes))
            }
            encoded.writeImmutableBuffer(payload)
            self.hub.fanOut(encoded)
        } else {
            let ready = WebSocketFrame(
                fin: true,
                opcode: .text,
                data: ByteBuffer(string: #"{"topic":"ready-","data":0}"#)
            )
            context.writeAndFlush(Self.wrapOutboundOut(ready), promise: nil)
        }
    }
}

/// Serves the floor's pub/sub on `port` with two event loops (as ws.sh runs journey's).
func runPubSubFloor(port: Int) throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let hub = FloorHub(group: group)
    let channel = try ServerBootstrap(group: group)
        .serverChannelOption(.backlog, value: 4096)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelInitializer { channel in
            let upgrader = NIOWebSocketServerUpgrader(
                shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture([:]) },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        // NIO removes its HTTP handlers; the plain-GET answer is ours to remove.
                        pipeline.removeHandler(try pipeline.handler(type: FloorRoot.self), promise: nil)
                        try pipeline.addHandler(FloorSubscriber(hub: hub))
                    }
                }
            )
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                    withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                )
                try channel.pipeline.syncOperations.addHandler(FloorRoot())
            }
        }
        .bind(host: "127.0.0.1", port: port)
        .wait()
    print("listening on \(channel.localAddress!)")
    try channel.closeFuture.wait()
}

/// Answers a plain GET (ws.sh waits for one before it starts the load).
final class FloorRoot: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = Self.unwrapInboundIn(data) else { return }
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: ["Content-Length": "0"])
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
    }
}
