import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOPosix

/// Sends each request on a connection of its own to a server on 127.0.0.1, through NIO's HTTP/1.1 client codec.
struct LiveTransport: Sendable {
    let port: Int

    var client: TestClient {
        let port = self.port
        return TestClient { head, body in
            let promise = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: TestResponse.self)
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandlers(
                            HTTP1ToHTTPClientCodec(),
                            ResponseCollector(promise: promise)
                        )
                    }
                }
                .connect(host: "127.0.0.1", port: port)
                .get()
            var head = head
            if body.readableBytes > 0 || [.post, .put, .patch].contains(head.method) {
                head.headerFields[.contentLength] = String(body.readableBytes)
            }
            channel.write(HTTPRequestPart.head(head), promise: nil)
            if body.readableBytes > 0 { channel.write(HTTPRequestPart.body(body), promise: nil) }
            channel.writeAndFlush(HTTPRequestPart.end(nil), promise: nil)
            do {
                let response = try await promise.futureResult.get()
                try? await channel.close()
                return response
            } catch {
                try? await channel.close()
                throw error
            }
        }
    }
}

/// Gathers one response's parts and completes the promise with it (or fails it when the connection ends first).
final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPResponsePart

    private let promise: EventLoopPromise<TestResponse>
    private var head: HTTPResponse?
    private var body = ByteBuffer()

    init(promise: EventLoopPromise<TestResponse>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            // An interim response (100 Continue) is followed by the final one.
            if head.status.kind != .informational { self.head = head }
        case .body(var bytes):
            self.body.writeBuffer(&bytes)
        case .end:
            guard let head = self.head else { return }
            self.promise.succeed(TestResponse(status: head.status, headerFields: head.headerFields, body: self.body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(ChannelError.eof)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise.fail(error)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension ResponseCollector: Sendable {}
