import Foundation
import Journey
import JourneyTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// Slow and stalled clients over real sockets: they are cut off, everyone else is served.
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct SlowClientTests {
    @Test func slowlorisConnectionsAreClosedWhileOthersAreServed() async throws {
        // 500 clients and their 500 server-side sockets live in this one process.
        raiseDescriptorLimit()
        let fixture = try SiteFixture()
        var configuration = fixture.configuration
        configuration.timeouts.headerRead = .seconds(1)
        try await TestServer.with(configuration) { server async throws in
            // 500 clients that trickle a head a byte at a time, never finishing it: each read is fresh, so only
            // the whole-head deadline can stop them, and it must stop every one.
            var trickles: [TrickleClient] = []
            for _ in 0..<500 {
                trickles.append(try await TrickleClient.start(port: server.port, every: .milliseconds(200)))
            }
            // Meanwhile normal clients get their files.
            for _ in 0..<20 {
                let result = try await Curl.run([server.url("/hello.txt")])
                #expect(result.status == 200)
                #expect(result.text == "hello\n")
            }
            var closedByServer = 0
            for trickle in trickles where try await trickle.closed.get() { closedByServer += 1 }
            #expect(closedByServer == 500)
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosed() async throws {
        var configuration = Configuration()
        configuration.timeouts.keepAliveIdle = .milliseconds(300)
        try await TestServer.with(configuration) { server async throws in
            let response = try await RawClient.exchange(
                "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                port: server.port,
                halfClose: false,
                deadline: .seconds(30)
            )
            #expect(response.hasPrefix("HTTP/1.1 200 OK"))
        }
    }

    @Test func aClientThatStopsReadingIsCutByTheWriteTimeout() async throws {
        let directory = try TemporaryDirectory()
        let size = 64 * 1024 * 1024
        try directory.write(Data(count: size), to: "big.bin")
        var configuration = Configuration()
        configuration.staticFiles = StaticFileOptions(root: directory.path)
        configuration.timeouts.write = .milliseconds(300)
        try await TestServer.with(configuration) { server async throws in
            let download = try await SlowReader.start(path: "/big.bin", port: server.port)
            try await waitAtMost(for: "the download") { try await download.firstBytes.futureResult.get() }
            // The server gives up on the stalled connection by itself (bounded, in case it does not).
            try await server.waitUntilNoConnections()
            download.resume()
            let received = try await waitAtMost(for: "the download to end") {
                try await waitAtMost(for: "the download") { try await download.finished.futureResult.get() }
            }
            #expect(received < size)
        }
    }
}

extension SlowClientTests {
    @Test func aDeepPipelineFromAClientThatDoesNotReadStaysBounded() async throws {
        var configuration = Configuration()
        configuration.timeouts.write = .milliseconds(500)
        let responder = CountingResponder(body: ByteBuffer(repeating: UInt8(ascii: "x"), count: 1024))
        var router = Router()
        router.on(.get, "/kib", responder: responder)
        try await TestServer.with(configuration, router: router) { server async throws in
            // 200,000 pipelined requests, never read: answered regardless of the send queue, they would take
            // about 250 MB of the server's memory.
            let requests = ByteBuffer(string: String(repeating: "GET /kib HTTP/1.1\r\nHost: x\r\n\r\n", count: 200_000))
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.autoRead, value: false)
                .connect(host: "127.0.0.1", port: server.port).get()
            channel.writeAndFlush(requests, promise: nil)
            // The server stops reading, its send queue stays full, and the write timeout cuts the connection.
            try await waitAtMost(for: "the write timeout to cut the connection") { try await channel.closeFuture.get() }
            try await server.waitUntilNoConnections()
            // Only what fits in the kernel's socket buffers and one send queue's worth was ever processed.
            let processed = responder.count
            #expect(processed > 0 && processed < 50_000, "processed \(processed) of 200,000 requests")
        }
    }
}

/// Answers every request with the same bytes and counts how many it answered.
private final class CountingResponder: Responder, Sendable {
    private let body: ByteBuffer
    private let answered = NIOLockedValueBox(0)

    init(body: ByteBuffer) { self.body = body }

    var count: Int { self.answered.withLockedValue { $0 } }

    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        self.answered.withLockedValue { $0 += 1 }
        return context.eventLoop.makeSucceededFuture(Response(status: .ok, body: .bytes(self.body)))
    }
}

/// A slowloris: sends a request head one byte per tick and never finishes it.
final class TrickleClient: Sendable {
    /// Completes when the connection closes: true if the server closed it (not the 30 s safety deadline).
    let closed: EventLoopFuture<Bool>

    private init(closed: EventLoopFuture<Bool>) {
        self.closed = closed
    }

    static func start(port: Int, every tick: TimeAmount) async throws -> TrickleClient {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        let head =
            Array("GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Padding: ".utf8)
            + Array(repeating: UInt8(ascii: "a"), count: 4096)
        let sent = NIOLockedValueBox(0)
        let task = channel.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: tick) { _ in
            let index = sent.withLockedValue { count in
                defer { count += 1 }
                return count
            }
            guard index < head.count else { return }
            channel.writeAndFlush(ByteBuffer(bytes: [head[index]]), promise: nil)
        }
        let timedOut = NIOLockedValueBox(false)
        let safety = channel.eventLoop.scheduleTask(in: .seconds(30)) {
            timedOut.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        let closed = channel.closeFuture.map { _ -> Bool in
            task.cancel()
            safety.cancel()
            return !timedOut.withLockedValue { $0 }
        }
        return TrickleClient(closed: closed)
    }
}

/// Raises this process's soft descriptor limit to the hard one (as the CLI does for itself).
func raiseDescriptorLimit() {
    var limit = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else {
        return
    }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
}
