import Foundation
import Journey
import JourneyTestSupport
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOWebSocket
import Testing
import WSClient

/// The built-in pub/sub hub over real sockets: fan-out, order, HTTP publishing, slow consumers.
@Suite(.timeLimit(.minutes(2))) struct PubSubTests {
    static let logger = Logger(label: "pubsub-test")

    static func pubSubServer(_ configure: (inout Configuration) -> Void = { _ in }) -> Configuration {
        var configuration = Configuration()
        configuration.webSocket.pubSubPath = "/pubsub"
        configure(&configuration)
        return configuration
    }

    static func command(_ op: String, _ topic: String, data: String? = nil) -> WebSocketOutboundWriter.OutboundFrame {
        .text("{\"op\":\"\(op)\",\"topic\":\"\(topic)\"" + (data.map { ",\"data\":\($0)" } ?? "") + "}")
    }

    /// The `data` of a delivery, decoded.
    static func data(of message: WSClient.WebSocketMessage?) -> Any? {
        guard case .text(let text) = message,
            let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        else { return nil }
        return object["data"]
    }

    @Test func aPublishFansOutToAThousandSubscribersInEachPublishersOrder() async throws {
        raiseDescriptorLimit()
        let subscribers = 1_000
        let perPublisher = 50
        try await TestServer.with(Self.pubSubServer()) { server in
            let url = "ws://127.0.0.1:\(server.port)/pubsub"
            // A coordinator on topic "ready" hears from each subscriber once it has subscribed: a publish after the
            // subscribe is handled after it, so once it is heard, that subscriber is in.
            let coordinatorIn = AsyncStream<Void>.makeStream()
            let allIn = AsyncStream<Void>.makeStream()
            async let coordinator = WebSocketClient.connect(url: url, logger: Self.logger) { inbound, outbound, _ in
                try await outbound.write(Self.command("subscribe", "ready"))
                try await outbound.write(Self.command("publish", "ready", data: "0"))
                var heard = 0
                for try await _ in inbound.messages(maxSize: 1 << 16) {
                    heard += 1
                    if heard == 1 { coordinatorIn.continuation.yield() }
                    if heard == subscribers + 1 {
                        allIn.continuation.yield()
                        break
                    }
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
            for await _ in coordinatorIn.stream { break }
            let results = try await withThrowingTaskGroup(of: [Int: [Int]].self) { group in
                for _ in 0..<subscribers {
                    group.addTask {
                        let seen = NIOLockedValueBox<[Int: [Int]]>([:])
                        try await WebSocketClient.connect(url: url, logger: Self.logger) { inbound, outbound, _ in
                            try await outbound.write(Self.command("subscribe", "t"))
                            try await outbound.write(Self.command("publish", "ready", data: "1"))
                            for try await message in inbound.messages(maxSize: 1 << 16) {
                                guard let data = Self.data(of: message) as? [String: Any],
                                    let publisher = data["p"] as? Int, let number = data["n"] as? Int
                                else { continue }
                                let total = seen.withLockedValue {
                                    $0[publisher, default: []].append(number)
                                    return $0.values.map(\.count).reduce(0, +)
                                }
                                if total == 2 * perPublisher { break }
                            }
                            try await outbound.close(.normalClosure, reason: nil)
                        }
                        return seen.withLockedValue { $0 }
                    }
                }
                for await _ in allIn.stream { break }
                #expect(server.server.pubSubHub.subscriberCount(of: "t") == subscribers)
                // Two publishers, each in order, interleaved.
                try await withThrowingTaskGroup(of: Void.self) { publishers in
                    for publisher in 1...2 {
                        publishers.addTask {
                            try await WebSocketClient.connect(url: url, logger: Self.logger) { _, outbound, _ in
                                for number in 0..<perPublisher {
                                    try await outbound.write(
                                        Self.command("publish", "t", data: #"{"p":\#(publisher),"n":\#(number)}"#)
                                    )
                                }
                                try await outbound.close(.normalClosure, reason: nil)
                            }
                        }
                    }
                    try await publishers.waitForAll()
                }
                var all: [[Int: [Int]]] = []
                for try await seen in group { all.append(seen) }
                return all
            }
            _ = try await coordinator
            #expect(results.count == subscribers)
            let inOrder = Array(0..<perPublisher)
            #expect(results.allSatisfy { $0[1] == inOrder && $0[2] == inOrder })
        }
    }

    @Test(.requires(.curl)) func curlPublishesOverHTTP() async throws {
        try await TestServer.with(Self.pubSubServer()) { server in
            let subscribed = AsyncStream<Void>.makeStream()
            async let received: [WSClient.WebSocketMessage] = WebSocketClientRun.collect(
                url: "ws://127.0.0.1:\(server.port)/pubsub",
                count: 3
            ) { outbound in
                try await outbound.write(Self.command("subscribe", "news"))
                try await outbound.write(Self.command("publish", "news", data: "\"ready\""))
            } onFirst: {
                subscribed.continuation.yield()
            }
            for await _ in subscribed.stream { break }
            let json = try await Curl.run([
                "-s", "-X", "POST", "-H", "Content-Type: application/json", "--data-binary",
                " {\"z\":1, \"a\":9007199254740993}\n",
                server.url("/pubsub/news"),
            ])
            #expect(json.status == 200)
            #expect(json.text.contains(#""subscribers":1"#))
            let text = try await Curl.run([
                "-s", "-X", "POST", "--data-binary", "plain text", server.url("/pubsub/news"),
            ])
            #expect(text.status == 200)
            let bad = try await Curl.run([
                "-s", "-X", "POST", "-H", "Content-Type: application/json", "--data", "{nope",
                server.url("/pubsub/news"),
            ])
            #expect(bad.status == 400)
            let messages = try await received
            #expect(messages.count == 3)
            // Relayed as sent: key order and the integer past 2^53 kept, only the surrounding whitespace gone.
            #expect(messages.dropFirst().first == .text(#"{"topic":"news","data":{"z":1, "a":9007199254740993}}"#))
            #expect(messages.last == .text(#"{"topic":"news","data":"plain text"}"#))
        }
    }

    @Test func aBadCommandGetsAnErrorAndTheConnectionCarriesOn() async throws {
        try await TestServer.with(Self.pubSubServer()) { server in
            let messages = try await WebSocketClientRun.collect(
                url: "ws://127.0.0.1:\(server.port)/pubsub",
                count: 2
            ) { outbound in
                try await outbound.write(.text("{nope"))
                try await outbound.write(Self.command("subscribe", "t"))
                try await outbound.write(Self.command("publish", "t", data: "1"))
            }
            #expect(messages == [.text(#"{"error":"not a JSON object"}"#), .text(#"{"topic":"t","data":1}"#)])
        }
    }

    @Test func theSenderCanBeLeftOut() async throws {
        try await TestServer.with(Self.pubSubServer { $0.webSocket.pubSubIncludesSender = false }) { server in
            let messages = try await WebSocketClientRun.collect(
                url: "ws://127.0.0.1:\(server.port)/pubsub",
                count: 1
            ) { outbound in
                try await outbound.write(Self.command("subscribe", "t"))
                try await outbound.write(Self.command("publish", "t", data: "\"mine\""))
                // Not subscribed to "u", so the only message can be the error: the own publish never came.
                try await outbound.write(Self.command("bogus", "u"))
            }
            #expect(messages == [.text(#"{"error":"unknown op \"bogus\""}"#)])
        }
    }

    @Test(arguments: [SlowConsumerPolicy.disconnect, .drop])
    func aSubscriberThatDoesNotReadMeetsThePolicy(policy: SlowConsumerPolicy) async throws {
        let configuration = Self.pubSubServer {
            $0.webSocket.options.outboundQueueLimit = 256 << 10
            $0.webSocket.options.slowConsumerPolicy = policy
            $0.observe.servesMetrics = true
        }
        try await TestServer.with(configuration) { server in
            let stalled = try await StalledSubscriber.connect(port: server.port, topic: "firehose")
            let hub = server.server.pubSubHub
            try await waitAtMost(for: "the subscription to reach the hub") {
                while hub.subscriberCount(of: "firehose") == 0 {
                    try Task.checkCancellation()
                    await Task.yield()
                }
            }
            let payload = ByteBuffer(repeating: UInt8(ascii: "z"), count: 64 << 10)
            let frame = EncodedFrame(text: payload)
            // Up to 64 MiB offered to a peer that reads nothing: far beyond what the kernel's buffers hold.
            for _ in 0..<1_024 where server.server.connections.count > 0 {
                server.server.pubSubHub.publish(frame, to: "firehose")
                await Task.yield()
            }
            switch policy {
            case .disconnect:
                try await server.waitUntilNoConnections()
                await server.server.collectStatistics()
                let totals = server.server.statistics.snapshot().totals.webSockets
                #expect(totals.slowConsumersDisconnected == 1)
            case .drop:
                await server.server.collectStatistics()
                let totals = server.server.statistics.snapshot().totals.webSockets
                #expect(server.server.connections.count == 1)
                #expect(totals.messagesDropped > 0)
                #expect(totals.slowConsumersDisconnected == 0)
            }
            stalled.close(promise: nil)
        }
    }
}

/// Runs a WSClient connection that sends with `send`, then gathers `count` messages and closes.
enum WebSocketClientRun {
    static func collect(
        url: String,
        count: Int,
        send: @escaping @Sendable (WebSocketOutboundWriter) async throws -> Void,
        onFirst: @escaping @Sendable () -> Void = {}
    ) async throws -> [WSClient.WebSocketMessage] {
        let box = NIOLockedValueBox<[WSClient.WebSocketMessage]>([])
        try await WebSocketClient.connect(url: url, logger: PubSubTests.logger) { inbound, outbound, _ in
            try await send(outbound)
            var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            while let message = try await messages.next() {
                let total = box.withLockedValue {
                    $0.append(message)
                    return $0.count
                }
                if total == 1 { onFirst() }
                if total == count { break }
            }
            try await outbound.close(.normalClosure, reason: nil)
        }
        return box.withLockedValue { $0 }
    }
}

/// A subscriber that completes the handshake, subscribes, and then never reads: its receive window closes.
enum StalledSubscriber {
    static func connect(port: Int, topic: String) async throws -> any Channel {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_rcvbuf), value: 4_096)
            .channelOption(.autoRead, value: false)
            .connect(host: "127.0.0.1", port: port).get()
        var request = ByteBuffer(string: WebSocketTests.handshake("/pubsub"))
        // A masked text frame (clients must mask, RFC 6455 §5.3) with the subscribe command.
        let command = Array("{\"op\":\"subscribe\",\"topic\":\"\(topic)\"}".utf8)
        let mask: [UInt8] = [1, 2, 3, 4]
        request.writeBytes([0x81, 0x80 | UInt8(command.count)] + mask)
        request.writeBytes(command.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        try await channel.writeAndFlush(request)
        return channel
    }
}
