import Foundation
import Journey
import JourneyTestSupport
import NIOCore
import NIOExtras
import NIOPosix
import Testing

/// A protocol of one's own on the journey, over real sockets: the README's `TimeService`.
@Suite(.timeLimit(.minutes(2))) struct WireProtocolTests {
    /// Runs `body` with a server that also speaks `wireProtocol`, and that listener's port.
    static func with(
        _ wireProtocol: some WireProtocol,
        _ configuration: Configuration = Configuration(),
        _ body: (TestServer, Int) async throws -> Void
    ) async throws {
        let server = try await TestServer.start(configuration) { $0.listen(on: .port(0), protocol: wireProtocol) }
        do {
            try await body(server, try #require(server.server.port(of: .custom(wireProtocol.name))))
            try await server.server.shutdown()
        } catch {
            _ = try? await server.server.shutdown()
            throw error
        }
    }

    @Test func theTutorialProtocolAnswersPipelinedLinesInOrder() async throws {
        try await Self.with(TimeService()) { _, port in
            let reply = try await RawClient.exchange("ECHO one\nTIME\r\nnope\nECHO two\nQUIT\nECHO never\n", port: port)
            let lines = reply.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.count == 6)
            #expect(lines[0] == "one")
            #expect(ISO8601DateFormatter().date(from: lines[1]) != nil, "\(lines[1]) is not an ISO 8601 time")
            #expect(Array(lines[2...]) == ["ERR unknown command", "two", "BYE", ""])
        }
    }

    @Test func aLineTooLongGetsTheFarewellAndOnlyThatConnectionCloses() async throws {
        try await Self.with(TimeService()) { _, port in
            let long = String(repeating: "x", count: 5000)
            let reply = try await RawClient.exchange(
                "ECHO first\n" + long + "\nECHO after\n",
                port: port,
                halfClose: false
            )
            #expect(reply == "first\r\nERR line too long\r\n")
            // The server carries on.
            #expect(try await RawClient.exchange("ECHO still here\n", port: port) == "still here\r\n")
        }
    }

    struct QuickIdle: WireProtocol {
        var name: String { "idle" }
        var limits: WireLimits { WireLimits(idleTimeout: .milliseconds(200)) }
        func makeFramer() -> LineBasedFrameDecoder { LineBasedFrameDecoder() }
        func makeEncoder() -> LineEncoder { LineEncoder() }
        func handle(
            _ lines: WireInbound<ByteBuffer>,
            _ replies: WireOutbound<String>,
            context: WireContext
        )
            async throws
        {
            for try await line in lines { try await replies.write(String(buffer: line)) }
        }
    }

    @Test func aSilentPeerIsClosedAtTheIdleTimeout() async throws {
        try await Self.with(QuickIdle()) { server, port in
            let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            // The client sends nothing and never closes: only the server's idle timeout ends the connection (a
            // server without one leaves this test to the deadline, which fails it).
            let deadline = client.channel.eventLoop.scheduleTask(in: .seconds(20)) {
                client.channel.close(promise: nil)
            }
            let start = ContinuousClock.now
            try await client.executeThenClose { inbound, _ in
                for try await _ in inbound {}
            }
            deadline.cancel()
            #expect(ContinuousClock.now - start < .seconds(20))
            await server.server.collectStatistics()
            let tally = server.server.statistics.snapshot().totals.protocols.first { $0.name == "idle" }
            #expect(tally?.idleTimeouts == 1)
        }
    }

    @Test func messagesAreCountedAndTimedPerProtocolInMetricsAndTheDashboard() async throws {
        var configuration = Configuration()
        configuration.observe.servesMetrics = true
        configuration.observe.dashboard = .loopbackOnly
        try await Self.with(TimeService(), configuration) { server, port in
            _ = try await RawClient.exchange("ECHO a\nECHO b\nECHO c\n", port: port)
            await server.server.collectStatistics()
            let snapshot = server.server.statistics.snapshot()
            let tally = try #require(snapshot.totals.protocols.first { $0.name == "time" })
            #expect(tally.messages == 3)
            #expect(tally.connectionsOpened == 1)
            #expect(tally.stages[Stage.process.rawValue].count == 3)
            #expect(tally.stages[Stage.write.rawValue].count == 3)
            #expect(snapshot.acceptQueues.contains { $0.protocolName == "time" })
            #expect(snapshot.json.contains("\"protocol\":\"time\""))
            let metrics = try await RawClient.exchange("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
                .withoutInstanceLabels
            #expect(metrics.contains("journey_protocol_messages_total{protocol=\"time\"} 3"))
            #expect(
                metrics.contains("journey_protocol_stage_duration_seconds_count{protocol=\"time\",stage=\"process\"} 3")
            )
        }
    }

    @Test func shutdownEndsTheInboundSequenceAndClosesOpenConnections() async throws {
        let server = try await TestServer.start(prepare: { $0.listen(on: .port(0), protocol: TimeService()) })
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: try #require(server.server.port(of: .custom(TimeService().name)))) {
                channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await client.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "ECHO before\n"))
            var replies = inbound.makeAsyncIterator()
            #expect(try await replies.next().map { String(buffer: $0) } == "before\r\n")
            // The connection is idle and open: shutting down ends its handler and closes it, well within the drain.
            #expect(try await server.server.shutdown(), "the connection did not close within the drain timeout")
            #expect(try await replies.next() == nil)
        }
    }
}
