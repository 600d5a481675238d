import Journey
import JourneyConnection
import JourneyCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

extension Router {
    /// Runs `body` with a client that reaches this router in `mode`: in-process (`.router`) or through a live
    /// server on an ephemeral port (`.live` over HTTP/1.1, `.liveHTTP2` over cleartext HTTP/2; started with
    /// `configuration` and shut down afterwards).
    ///
    /// ```swift
    /// @Test(arguments: [TestingMode.router, .live]) func createsTodos(mode: TestingMode) async throws {
    ///     try await makeRouter().test(mode) { client in
    ///         let response = try await client.execute(
    ///             "/todos", method: .post, headerFields: [.contentType: "application/json"], body: #"{"title":"a"}"#
    ///         )
    ///         #expect(response.status == .created)
    ///     }
    /// }
    /// ```
    /// The routes are checked first: a conflict throws `InvalidRoutes`, as `Server.start()` would.
    public func test<Value>(
        _ mode: TestingMode,
        configuration: Configuration = Configuration(),
        _ body: (TestClient) async throws -> Value
    ) async throws -> Value {
        try self.validate()
        switch mode {
        case .router:
            var router = self
            router.prepare()
            let transport = InProcessTransport(
                router: router,
                maximumBodySize: configuration.http1.limits.maximumBodySize
            )
            return try await body(transport.client)
        case .live, .liveHTTP2:
            var configuration = configuration
            configuration.listeners.main = ListenAddress(host: "127.0.0.1", port: 0)
            configuration.listeners.admin = nil
            configuration.listeners.redirect = nil
            configuration.listeners.resp = nil
            configuration.tls = nil
            configuration.http2.cleartext = mode == .liveHTTP2
            let server = Server(configuration: configuration, router: self)
            try await server.start()
            let port = server.port(of: .main)!
            var http2: LiveHTTP2Transport?
            do {
                let client: TestClient
                if mode == .liveHTTP2 {
                    let transport = try await LiveHTTP2Transport.connect(port: port)
                    http2 = transport
                    client = transport.client
                } else {
                    client = LiveTransport(port: port).client
                }
                let value = try await body(client)
                await http2?.close()
                _ = try await server.shutdown()
                return value
            } catch {
                await http2?.close()
                _ = try? await server.shutdown()
                throw error
            }
        }
    }
}

/// Hands requests straight to a router and finishes its responses as a connection would.
struct InProcessTransport: Sendable {
    let router: Router
    /// The server's body limit, for routes that do not set their own.
    let maximumBodySize: Int

    var client: TestClient {
        let router = self.router
        let maximumBodySize = self.maximumBodySize
        return TestClient { head, body in
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            let request = Request(head: head, body: body)
            let context = RequestContext(
                eventLoop: loop,
                logger: Logger(label: "journey-testing"),
                remoteAddress: try? SocketAddress(ipAddress: "127.0.0.1", port: 0)
            )
            let result: Result<Response, any Error>
            let limit = router.bodyPolicy(for: request).maximumSize ?? maximumBodySize
            if let refusal = router.refusal(of: request) {
                result = .failure(refusal)
            } else if body.readableBytes > limit {
                result = .failure(HTTPError(.contentTooLarge))
            } else {
                do {
                    result = .success(try await router.respond(to: request, context: context).get())
                } catch {
                    result = .failure(error)
                }
            }
            let response = ErrorPage.response(for: result) { error in
                context.logger.error("handler failed", metadata: ["error": "\(error)"])
            }
            let finished = FinishedResponse(response, answering: head.method, date: DateHeader.now)
            return TestResponse(
                status: finished.head.status,
                headerFields: finished.head.headerFields,
                body: try await Self.bytes(of: finished.body)
            )
        }
    }

    /// The body's bytes, file slices read on NIO's thread pool.
    private static func bytes(of body: ResponseBody) async throws -> ByteBuffer {
        var buffer = ByteBuffer()
        func append(_ part: ResponseBodyPart) async throws {
            switch part {
            case .bytes(var bytes):
                buffer.writeBuffer(&bytes)
            case .file(let slice):
                var chunk = try await NIOThreadPool.singleton.runIfActive {
                    var chunk = ByteBuffer()
                    try chunk.writeWithUnsafeMutableBytes(minimumWritableBytes: slice.count) { pointer in
                        let read = pread(slice.file.descriptor, pointer.baseAddress, slice.count, off_t(slice.offset))
                        guard read == slice.count else { throw IOError(errnoCode: errno, reason: "pread") }
                        return read
                    }
                    return chunk
                }
                buffer.writeBuffer(&chunk)
            }
        }
        switch body {
        case .empty: break
        case .bytes(let bytes): try await append(.bytes(bytes))
        case .file(let slice): try await append(.file(slice))
        case .parts(let parts): for part in parts { try await append(part) }
        case .stream(let stream):
            // The producer writes into memory; the body is whole once it returns.
            let sink = CollectingSink()
            _ = try await stream.produce(ResponseBodyWriter(sink: sink))
            var collected = sink.collected.withLockedValue { $0 }
            buffer.writeBuffer(&collected)
        }
        return buffer
    }
}

/// Collects a streamed body in memory.
private final class CollectingSink: ResponseBodySink {
    let collected = NIOLockedValueBox(ByteBuffer())

    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.collected.withLockedValue { _ = $0.writeBuffer(&buffer) }
    }
}
