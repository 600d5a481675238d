import Foundation
import Journey
import JourneyTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// Slow and stalled clients over real sockets: they are cut off, everyone else is served.
@Suite(.enabled(if: Curl.isInstalled, "curl is not installed (apt-get install curl)"))
struct SlowClientTests {
    @Test func slowlorisConnectionsAreClosedWhileOthersAreServed() async throws {
        let fixture = try SiteFixture()
        var configuration = fixture.configuration
        configuration.timeouts.headerRead = .seconds(1)
        try await TestServer.with(configuration) { server async throws in
            try await withThrowingTaskGroup(of: Int.self) { group in
                // 300 clients that send part of a head and then nothing: each must be closed by the server.
                for _ in 0..<300 {
                    group.addTask {
                        try await RawClient.exchange(
                            "GET /hello.txt HTTP/1.1\r\nHo",
                            port: server.port,
                            halfClose: false,
                            deadline: .seconds(30)
                        ).utf8.count
                    }
                }
                // Meanwhile normal clients get their files.
                for _ in 0..<20 {
                    let result = try await Curl.run([server.url("/hello.txt")])
                    #expect(result.status == 200)
                    #expect(result.text == "hello\n")
                }
                var closed = 0
                for try await received in group {
                    #expect(received == 0)
                    closed += 1
                }
                #expect(closed == 300)
            }
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
        configuration.root = directory.path
        configuration.timeouts.write = .milliseconds(300)
        try await TestServer.with(configuration) { server async throws in
            let download = try await SlowReader.start(path: "/big.bin", port: server.port)
            try await download.firstBytes.futureResult.get()
            // The server gives up on the stalled connection by itself (bounded, in case it does not).
            let cut = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    await server.server.connections.waitUntilEmpty()
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(30))
                    return false
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
            #expect(cut)
            download.resume()
            let received = try await download.finished.futureResult.get()
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
            try await channel.closeFuture.get()
            await server.server.connections.waitUntilEmpty()
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
