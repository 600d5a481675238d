import ArgumentParser
import CompressNIO
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOWebSocket

/// A WebSocket load generator for Benchmarks/ (closed-loop echo, pub/sub broadcast latency, idle connections).
@main
struct WSLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journey-wsload",
        abstract: "Load a WebSocket server: echo throughput, broadcast latency, or idle connections.",
        discussion: """
            echo:      N connections, each sends a message and waits for its echo, for a fixed time (messages/s).
            broadcast: N subscribers of a journey pub/sub topic; a publisher sends timestamped messages, and the
                       time from publish to delivery is measured at every subscriber (percentiles). With several
                       servers (--server a:1,b:2), the subscribers are spread over them and each server has a
                       publisher, used in turn: instances sharing topics through a backplane.
            idle:      N connections opened and held until the process is stopped (to measure server memory).
            """
    )

    enum Mode: String, ExpressibleByArgument {
        case echo, broadcast, idle
    }

    @Argument(help: "echo, broadcast or idle.")
    var mode: Mode

    @Option(help: "The WebSocket URL path's server, host:port (broadcast: several, comma-separated).")
    var server = "127.0.0.1:8080"

    @Option(help: "The path (the echo or the pub/sub endpoint).")
    var path = "/ws"

    @Option(name: [.short, .long], help: "Connections (subscribers in broadcast mode).")
    var connections = 64

    @Option(name: [.short, .long], help: "Seconds to measure (echo) or messages to publish (broadcast).")
    var duration = 10

    @Option(help: "Seconds of warm-up before measuring (echo).")
    var warmup = 2

    @Option(name: [.short, .long], help: "Message size in bytes (echo).")
    var size = 32

    @Option(help: "Event loop threads of the client.")
    var threads = 1

    @Option(help: "Publishes per second (broadcast).")
    var rate = 20

    @Option(
        help: "At most this many messages per second per connection (echo; 0: the next as soon as the echo is back)."
    )
    var pace = 0

    @Flag(help: "Offer permessage-deflate and compress every message (echo); fails if the server declines.")
    var deflate = false

    @Option(
        help:
            "Spread the connections over this many loopback source addresses, 127.0.0.2 and up (past one address's ephemeral ports)."
    )
    var sources = 1

    func run() async throws {
        var servers: [(host: String, port: Int)] = []
        for server in self.server.split(separator: ",") {
            let parts = server.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]) else {
                throw ValidationError("--server must be HOST:PORT")
            }
            servers.append((String(parts[0]), port))
        }
        guard let (host, port) = servers.first else { throw ValidationError("--server must be HOST:PORT") }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: self.threads)
        let tally = Tally()
        switch self.mode {
        case .echo:
            // Text with some variety, as JSON is: all x's would deflate to nothing.
            let sample = #"{"id":1234,"user":"journey","tags":["swift","nio"],"score":98.6,"ok":true},"#
            let payload = String(String(repeating: sample, count: self.size / sample.utf8.count + 1).prefix(self.size))
            let gap: TimeAmount? = self.pace > 0 ? .nanoseconds(1_000_000_000 / Int64(self.pace)) : nil
            let deflate = self.deflate
            let channels = try await self.open(self.connections, host: host, port: port, group: group) {
                EchoDriver(payload: payload, gap: gap, tally: tally, compressing: deflate)
            }
            try await Task.sleep(for: .seconds(self.warmup))
            let start = tally.messages
            let began = ContinuousClock.now
            try await Task.sleep(for: .seconds(self.duration))
            let count = tally.messages - start
            let seconds =
                Double((ContinuousClock.now - began).components.attoseconds) / 1e18
                + Double((ContinuousClock.now - began).components.seconds)
            print(
                String(
                    format: "echo: %d connections, %d-byte messages: %.0f messages/s (%d in %.2f s)",
                    self.connections,
                    self.size,
                    Double(count) / seconds,
                    count,
                    seconds
                )
            )
            for channel in channels { channel.close(promise: nil) }
        case .broadcast:
            // Spread evenly: server i gets the subscribers i, i + servers.count, …
            var subscribers: [any Channel] = []
            for (index, server) in servers.enumerated() {
                let share = self.connections / servers.count + (index < self.connections % servers.count ? 1 : 0)
                subscribers += try await self.open(share, host: server.host, port: server.port, group: group) {
                    Subscriber(tally: tally)
                }
            }
            // Subscribed once each has its "ready" back (a publish after the subscribe comes back after it).
            while tally.ready < self.connections { try await Task.sleep(for: .milliseconds(20)) }
            var publisher: [any Channel] = []
            for server in servers {
                publisher += try await self.open(1, host: server.host, port: server.port, group: group) {
                    Subscriber(tally: tally, quiet: true)
                }
            }
            // Written at once (not buffered): a script measuring the server from here on waits for this line.
            FileHandle.standardOutput.write(Data("broadcast: \(self.connections) subscribers ready, publishing\n".utf8))
            // Paced by the clock, not by sleeps' sum: publish i leaves at start + i / rate.
            let interval = Duration.nanoseconds(1_000_000_000 / max(1, self.rate))
            let start = ContinuousClock.now
            for index in 0..<self.duration {
                try await Task.sleep(until: start + interval * index, clock: .continuous)
                let sent = DispatchTime.now().uptimeNanoseconds
                let command =
                    "{\"op\":\"publish\",\"topic\":\"bench\",\"data\":{\"t\":\(sent),\"pad\":\"\(String(repeating: "p", count: 60))\"}}"
                publisher[index % publisher.count].writeAndFlush(WebSocketFrame.masked(text: command), promise: nil)
            }
            let expected = self.duration * self.connections
            let deadline = ContinuousClock.now + .seconds(10)
            while tally.messages < expected, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let latencies = tally.latencies.sorted()
            func percentile(_ p: Double) -> Double {
                latencies.isEmpty
                    ? 0 : Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1e6
            }
            print(
                String(
                    format:
                        "broadcast: %d subscribers, %d publishes: %d of %d delivered; publish→deliver p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms",
                    self.connections,
                    self.duration,
                    latencies.count,
                    expected,
                    percentile(0.5),
                    percentile(0.9),
                    percentile(0.99),
                    percentile(1.0)
                )
            )
            for channel in subscribers + publisher { channel.close(promise: nil) }
        case .idle:
            let channels = try await self.open(self.connections, host: host, port: port, group: group) { Idler() }
            // Written at once (not buffered): a script waits for this line.
            FileHandle.standardOutput.write(Data("idle: \(channels.count) connections open; stop with SIGTERM\n".utf8))
            try await Task.sleep(for: .seconds(self.duration))
            for channel in channels { channel.close(promise: nil) }
        }
        try await group.shutdownGracefully()
    }

    /// Opens `count` connections (64 at a time) and completes each handshake; `driver` runs on each afterwards.
    func open(
        _ count: Int,
        host: String,
        port: Int,
        group: MultiThreadedEventLoopGroup,
        driver: @escaping @Sendable () -> any ChannelInboundHandler
    ) async throws -> [any Channel] {
        var channels: [any Channel] = []
        var next = 0
        while next < count {
            let batch = min(64, count - next)
            try await withThrowingTaskGroup(of: (any Channel).self) { tasks in
                for index in 0..<batch {
                    let source = self.sources > 1 ? "127.0.0.\(2 + (next + index) % self.sources)" : nil
                    tasks.addTask {
                        // One pick of the loop for both: a second `group.next()` for the promise would put every
                        // connection on the same loop of two.
                        let loop = group.next()
                        let upgraded = loop.makePromise(of: Void.self)
                        var bootstrap = ClientBootstrap(group: loop)
                        if let source {
                            // The port is picked at connect time, per destination, not at bind (which would
                            // need one free port of the whole range per connection).
                            bootstrap = try bootstrap.channelOption(
                                ChannelOptions.Types.SocketOption(
                                    level: .init(rawValue: CInt(IPPROTO_IP)),
                                    name: .init(rawValue: 24)
                                ),  // IP_BIND_ADDRESS_NO_PORT
                                value: 1
                            ).bind(to: SocketAddress(ipAddress: source, port: 0))
                        }
                        let channel =
                            try await bootstrap
                            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                            .channelInitializer { channel in
                                channel.eventLoop.makeCompletedFuture {
                                    try channel.pipeline.syncOperations.addHandler(
                                        Handshake(
                                            host: host,
                                            path: self.path,
                                            offersDeflate: self.deflate,
                                            upgraded: upgraded,
                                            driver: driver
                                        )
                                    )
                                }
                            }
                            .connect(host: host, port: port).get()
                        try await upgraded.futureResult.get()
                        return channel
                    }
                }
                for try await channel in tasks { channels.append(channel) }
            }
            next += batch
        }
        return channels
    }
}

/// Counts across connections (each connection adds from its own loop).
final class Tally: Sendable {
    private let state = NIOLockedValueBox((messages: 0, ready: 0, latencies: [UInt64](), ids: 0))
    func nextID() -> Int {
        self.state.withLockedValue {
            $0.ids += 1
            return $0.ids
        }
    }
    var messages: Int { self.state.withLockedValue { $0.messages } }
    var ready: Int { self.state.withLockedValue { $0.ready } }
    var latencies: [UInt64] { self.state.withLockedValue { $0.latencies } }
    func add(_ messages: Int) { self.state.withLockedValue { $0.messages += messages } }
    func addReady() { self.state.withLockedValue { $0.ready += 1 } }
    func add(latency: UInt64) {
        self.state.withLockedValue {
            $0.messages += 1
            $0.latencies.append(latency)
        }
    }
}

extension WebSocketFrame {
    /// A client text frame (clients mask, RFC 6455 §5.3).
    static func masked(text: String) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: text))
    }
}

/// Sends the opening handshake, waits for the 101, then swaps itself for the frame codec and the driver.
final class Handshake: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    let host: String
    let path: String
    let offersDeflate: Bool
    let upgraded: EventLoopPromise<Void>
    let driver: @Sendable () -> any ChannelInboundHandler
    var received = ByteBuffer()

    init(
        host: String,
        path: String,
        offersDeflate: Bool,
        upgraded: EventLoopPromise<Void>,
        driver: @escaping @Sendable () -> any ChannelInboundHandler
    ) {
        self.host = host
        self.path = path
        self.offersDeflate = offersDeflate
        self.upgraded = upgraded
        self.driver = driver
    }

    func channelActive(context: ChannelHandlerContext) {
        let request =
            "GET \(self.path) HTTP/1.1\r\nHost: \(self.host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + (self.offersDeflate ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "")
            + "\r\n"
        context.writeAndFlush(NIOAny(ByteBuffer(string: request)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = Self.unwrapInboundIn(data)
        self.received.writeBuffer(&buffer)
        guard let end = self.received.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
        let head = String(decoding: self.received.readableBytesView[..<end.lowerBound], as: UTF8.self)
        guard head.hasPrefix("HTTP/1.1 101"), !self.offersDeflate || head.lowercased().contains("permessage-deflate")
        else {
            self.upgraded.fail(ChannelError.inappropriateOperationForState)
            context.close(promise: nil)
            return
        }
        self.received.moveReaderIndex(to: end.upperBound)
        let rest = self.received
        do {
            let pipeline = context.pipeline.syncOperations
            try pipeline.addHandler(WebSocketFrameEncoder())
            try pipeline.addHandler(ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
            try pipeline.addHandler(self.driver())
        } catch {
            self.upgraded.fail(error)
            return
        }
        self.upgraded.succeed()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        if rest.readableBytes > 0 { context.fireChannelRead(NIOAny(rest)) }
    }
}

/// Echo mode: one message in flight; each echo sends the next (after `gap`, when paced). Compressing, each message
/// goes deflated (context kept, as a browser's) and compressed echoes are inflated.
final class EchoDriver: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    let payload: String
    let gap: TimeAmount?
    let tally: Tally
    let deflater: ZlibCompressor?
    let inflater: ZlibDecompressor?
    init(payload: String, gap: TimeAmount?, tally: Tally, compressing: Bool) {
        self.payload = payload
        self.gap = gap
        self.tally = tally
        self.deflater = compressing ? try? ZlibCompressor(algorithm: .deflate) : nil
        self.inflater = compressing ? try? ZlibDecompressor(algorithm: .deflate) : nil
    }
    func handlerAdded(context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(self.message()), promise: nil)
    }
    /// The next message: the payload, deflated when compressing (the sync flush's 4-byte tail taken off).
    func message() -> WebSocketFrame {
        guard let deflater = self.deflater else { return .masked(text: self.payload) }
        var input = ByteBuffer(string: self.payload)
        var output = ByteBuffer()
        output.reserveCapacity(deflater.maxSize(from: input))
        try? deflater.deflate(from: &input, to: &output, flush: .sync)
        output.moveWriterIndex(to: output.writerIndex - 4)
        return WebSocketFrame(fin: true, rsv1: true, opcode: .text, maskKey: .random(), data: output)
    }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        guard frame.opcode == .text || frame.opcode == .binary else { return }
        if frame.rsv1, let inflater = self.inflater {
            var input = frame.data
            input.writeBytes([0, 0, 0xFF, 0xFF])
            var output = ByteBuffer()
            output.reserveCapacity(self.payload.utf8.count + 64)
            try? inflater.inflate(from: &input, to: &output)
        }
        self.tally.add(1)
        guard let gap = self.gap else {
            context.writeAndFlush(NIOAny(self.message()), promise: nil)
            return
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: gap) {
            let (driver, context) = bound.value
            context.writeAndFlush(NIOAny(driver.message()), promise: nil)
        }
    }
}

/// Broadcast mode: subscribes to "bench", tells the tally it is in, and times each delivery.
final class Subscriber: ChannelInboundHandler, Sendable {
    typealias InboundIn = WebSocketFrame
    let tally: Tally
    let quiet: Bool
    let readyTopic: String
    /// Whether its ready message came back: until then it is published again every 200 ms (behind a backplane
    /// the first may reach Redis before the subscription does, and be delivered to nobody).
    private let isReady = NIOLockedValueBox(false)
    static let readyPrefix = Array(#"{"topic":"ready-"#.utf8)
    static let timestampKey = Array(#""t":"#.utf8)
    init(tally: Tally, quiet: Bool = false) {
        self.tally = tally
        self.quiet = quiet
        // A topic of its own: its publish comes back to it alone once its subscriptions are in.
        self.readyTopic = "ready-\(tally.nextID())"
    }
    func handlerAdded(context: ChannelHandlerContext) {
        guard !self.quiet else { return }
        for command in [
            #"{"op":"subscribe","topic":"bench"}"#, "{\"op\":\"subscribe\",\"topic\":\"\(self.readyTopic)\"}",
            "{\"op\":\"publish\",\"topic\":\"\(self.readyTopic)\",\"data\":0}",
        ] {
            context.write(NIOAny(WebSocketFrame.masked(text: command)), promise: nil)
        }
        context.flush()
        let ready = "{\"op\":\"publish\",\"topic\":\"\(self.readyTopic)\",\"data\":0}"
        let channel = context.channel
        let isReady = self.isReady
        context.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(200), delay: .milliseconds(200)) { task in
            guard !isReady.withLockedValue({ $0 }), channel.isActive else {
                task.cancel()
                return
            }
            channel.writeAndFlush(WebSocketFrame.masked(text: ready), promise: nil)
        }
    }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = DispatchTime.now().uptimeNanoseconds
        let frame = Self.unwrapInboundIn(data)
        if frame.opcode == .ping {
            // A live subscriber answers the server's keepalive, as a browser does (else it is closed as dead).
            context.writeAndFlush(
                NIOAny(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)),
                promise: nil
            )
            return
        }
        guard frame.opcode == .text, !self.quiet else { return }
        // Read from the bytes, not through a String: at 10,000 subscribers the client's own work is part of what
        // the latency measures.
        let bytes = frame.unmaskedData.readableBytesView
        if bytes.starts(with: Self.readyPrefix) {
            // Counted once, however many times it was published.
            let first = self.isReady.withLockedValue { ready in
                defer { ready = true }
                return !ready
            }
            if first { self.tally.addReady() }
            return
        }
        // The timestamp wherever it sits in the object (a relay may write the keys in any order).
        guard let key = bytes.firstRange(of: Self.timestampKey) else { return }
        var sent: UInt64 = 0
        for byte in bytes[key.upperBound...] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { break }
            sent = sent &* 10 &+ UInt64(byte - UInt8(ascii: "0"))
        }
        guard sent > 0 else { return }
        self.tally.add(latency: now &- sent)
    }
}

/// Idle mode: holds the connection, answering nothing (NIO's decoder copes with pings; the server's pong timeout
/// is what a benchmark of idle connections should set high).
final class Idler: ChannelInboundHandler, Sendable {
    typealias InboundIn = WebSocketFrame
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        if frame.opcode == .ping {
            context.writeAndFlush(
                NIOAny(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)),
                promise: nil
            )
        }
    }
}
