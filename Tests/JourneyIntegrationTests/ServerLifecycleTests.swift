import Foundation
import Journey
import JourneyAccept
import JourneyConnection
import JourneyCore
import JourneyHTTP1
import JourneyTestSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// Accept models, shutdown, the access log and big files: the server as an operator runs it.
@Suite(.requires(.curl), .timeLimit(.minutes(2)))
struct ServerLifecycleTests {
    @Test func reuseportBindsOneSocketPerLoopOnOnePort() async throws {
        struct Hello: Responder {
            func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
                context.eventLoop.makeSucceededFuture(.text("hi"))
            }
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let listener = Listener(
            host: "127.0.0.1",
            port: 0,
            backlog: 511,
            acceptModel: .reuseport,
            protocol: HTTP1Connection(responder: Hello())
        )
        let bound = try await BoundListener.bind(listener, on: group, connections: ConnectionRegistry())
        #expect(bound.channels.count == 2)
        #expect(Set(bound.channels.map { $0.localAddress?.port }).count == 1)
        for _ in 0..<20 {
            #expect(try await Curl.run([Curl.url("/", port: bound.port)]).text == "hi")
        }
        await bound.close()
        try await group.shutdownGracefully()
    }

    /// Small answers leave without waiting for an ACK (Nagle off, inherited from the listening socket), and no
    /// other socket option is touched by mistake (SO_DEBUG shares TCP_NODELAY's number at another level).
    @Test(arguments: [AcceptModel.shared, .reuseport])
    func acceptedConnectionsHaveNagleOffAndNoDebugFlag(_ model: AcceptModel) async throws {
        struct Options: Equatable { var noDelay: Int, debug: Int }
        struct RecordingOptions: ConnectionProtocol {
            let seen = NIOLockedValueBox<[Options]>([])
            var name: String { "recording" }
            func configure(_ channel: any Channel) throws {
                let options = try #require(channel.syncOptions)
                let seen = Options(
                    noDelay: try options.getOption(.tcpOption(.tcp_nodelay)),
                    debug: try options.getOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_DEBUG)))
                )
                self.seen.withLockedValue { $0.append(seen) }
                channel.close(promise: nil)
            }
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let recording = RecordingOptions()
        let listener = Listener(host: "127.0.0.1", port: 0, backlog: 511, acceptModel: model, protocol: recording)
        let bound = try await BoundListener.bind(listener, on: group, connections: ConnectionRegistry())
        for _ in 0..<4 {
            _ = try? await Curl.run([Curl.url("/", port: bound.port)])
        }
        await bound.close()
        try await group.shutdownGracefully()
        let seen = recording.seen.withLockedValue { $0 }
        #expect(seen.count == 4)
        #expect(seen.allSatisfy { $0 == Options(noDelay: 1, debug: 0) })
    }

    @Test(arguments: [AcceptModel.shared, .reuseport])
    func bothAcceptModelsServe(_ model: AcceptModel) async throws {
        var configuration = Configuration()
        configuration.accept.model = model
        configuration.accept.threads = 2
        try await TestServer.with(configuration) { server async throws in
            for _ in 0..<10 {
                #expect(try await Curl.run([server.url("/")]).status == 200)
            }
        }
    }

    @Test(.enabled(if: JourneyBinary.url != nil || ExternalTool.isCI, "needs the journey binary (swift build)"))
    func aHundredMebibyteSparseFileDownloadsWithFlatMemory() async throws {
        let directory = try TemporaryDirectory()
        let size = 100 * 1024 * 1024
        _ = FileManager.default.createFile(atPath: directory.path + "/big.bin", contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.path + "/big.bin"))
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
        // The server in a process of its own, so that only its memory is measured.
        let running = try await RunningJourney(arguments: [directory.path, "--port", "0"])
        let port = try await running.port()
        let before = try #require(running.peakResidentBytes)
        let output = try await Process.output(
            of: "curl",
            arguments: [
                "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", Curl.url("/big.bin", port: port),
            ]
        )
        #expect(String(decoding: output.standardOutput, as: UTF8.self) == "200 \(size)")
        let growth = try #require(running.peakResidentBytes) - before
        // sendfile moves the bytes in the kernel: the server's peak memory must not grow with the file (100 MiB);
        // 16 MiB leaves room for what a loaded machine makes the server's own buffers and threads take.
        #expect(growth < 16 * 1024 * 1024, "peak RSS grew by \(growth) bytes")
        #expect(await running.terminate() == 0)
    }

    @Test func shutdownLetsAnInFlightDownloadFinishAndRefusesNewConnections() async throws {
        let directory = try TemporaryDirectory()
        let size = 32 * 1024 * 1024
        try directory.write(Data(count: size), to: "big.bin")
        var configuration = Configuration()
        configuration.staticFiles = StaticFileOptions(root: directory.path)
        configuration.accept.drainTimeout = .seconds(60)
        let server = try await TestServer.start(configuration)

        let download = try await SlowReader.start(path: "/big.bin", port: server.port)
        try await waitAtMost(for: "the download's first bytes") { try await download.firstBytes.futureResult.get() }
        let shutdown = Task { try await server.server.shutdown() }
        // The reader only now drains the socket: the response is still in flight while shutdown waits.
        download.resume()
        let received = try await waitAtMost(for: "the download to end") {
            try await download.finished.futureResult.get()
        }
        #expect(received > size && received < size + 1024, "received \(received)")
        #expect(try await shutdown.value == true)
        await #expect(throws: (any Error).self) {
            _ = try await RawClient.exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n", port: server.port)
        }
    }

    @Test func theDrainTimeoutCutsAClientThatStopsReading() async throws {
        let directory = try TemporaryDirectory()
        try directory.write(Data(count: 32 * 1024 * 1024), to: "big.bin")
        var configuration = Configuration()
        configuration.staticFiles = StaticFileOptions(root: directory.path)
        configuration.accept.drainTimeout = .seconds(1)
        let server = try await TestServer.start(configuration)
        let download = try await SlowReader.start(path: "/big.bin", port: server.port)
        try await waitAtMost(for: "the download") { try await download.firstBytes.futureResult.get() }
        #expect(try await server.server.shutdown() == false)
        download.resume()
        _ = try await waitAtMost(for: "the download") { try await download.finished.futureResult.get() }
    }

    @Test func theAccessLogUsesCombinedLogFormat() async throws {
        let directory = try TemporaryDirectory()
        var configuration = Configuration()
        configuration.observe.accessLogPath = directory.path + "/access.log"
        let server = try await TestServer.start(configuration)
        _ = try await Curl.run(["-A", "tester/1.0", "-e", "http://ref.example/", server.url("/style.css")])
        _ = try await Curl.run([server.url("/nope\"quote")])
        try await server.server.shutdown()
        let log = try String(contentsOfFile: directory.path + "/access.log", encoding: .utf8)
        let lines = log.split(separator: "\n")
        #expect(lines.count == 2)
        let pattern =
            #/^127\.0\.0\.1 - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET /style\.css HTTP/1\.1" 200 \d+ "http://ref\.example/" "tester/1\.0"$/#
        #expect(lines.first.map { $0.wholeMatch(of: pattern) != nil } == true, "\(log)")
        #expect(lines.last?.contains("\"GET /nope\\x22quote HTTP/1.1\" 404 ") == true, "\(log)")
    }
}

/// A download that reads its first bytes, then stops reading until told to resume.
final class SlowReader: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    let firstBytes: EventLoopPromise<Void>
    let finished: EventLoopPromise<Int>
    private let channel: NIOLockedValueBoxChannel
    private let received = NIOLockedValueBox(0)

    private init(eventLoop: any EventLoop) {
        self.firstBytes = eventLoop.makePromise()
        self.finished = eventLoop.makePromise()
        self.channel = NIOLockedValueBoxChannel()
    }

    static func start(path: String, port: Int) async throws -> SlowReader {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let reader = SlowReader(eventLoop: loop)
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: 4096)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(reader) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        reader.channel.set(channel)
        channel.closeFuture.whenComplete { _ in reader.finished.succeed(reader.received.withLockedValue { $0 }) }
        try await channel.writeAndFlush(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n"))
        channel.read()
        return reader
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.received.withLockedValue { $0 += Self.unwrapInboundIn(data).readableBytes }
        self.firstBytes.succeed()
    }

    /// Reads everything that is left, until the server closes.
    func resume() {
        guard let channel = self.channel.get() else { return }
        channel.eventLoop.execute {
            // A wider window too: 4 KiB a round trip made 32 MiB take over 30 s on a loaded machine.
            _ = channel.setOption(.socketOption(.so_rcvbuf), value: 1 << 20)
            _ = channel.setOption(.autoRead, value: true)
            channel.read()
        }
    }
}

/// The reader's channel, set once after connecting.
final class NIOLockedValueBoxChannel: Sendable {
    private let box = NIOLockedValueBox<(any Channel)?>(nil)
    func set(_ channel: any Channel) { self.box.withLockedValue { $0 = channel } }
    func get() -> (any Channel)? { self.box.withLockedValue { $0 } }
}
