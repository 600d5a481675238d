import HTTPTypes
import NIOCore
import NIOHTTP2
import NIOHTTPTypes
import NIOHTTPTypesHTTP2
import NIOPosix

/// Sends each request as a stream of one cleartext HTTP/2 connection (prior knowledge) to a server on 127.0.0.1.
struct LiveHTTP2Transport: Sendable {
    let multiplexer: NIOLoopBound<NIOHTTP2Handler.StreamMultiplexer>
    let channel: any Channel

    /// Connects to 127.0.0.1:`port` and agrees HTTP/2's preface.
    static func connect(port: Int) async throws -> LiveHTTP2Transport {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        let channel = try await bootstrap.connect(host: "127.0.0.1", port: port).get()
        let multiplexer = try await channel.eventLoop.submit {
            let multiplexer = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                mode: .client,
                connectionConfiguration: .init(),
                streamConfiguration: .init()
            ) { stream in stream.eventLoop.makeSucceededVoidFuture() }
            return NIOLoopBound(multiplexer, eventLoop: channel.eventLoop)
        }.get()
        return LiveHTTP2Transport(multiplexer: multiplexer, channel: channel)
    }

    var client: TestClient {
        let multiplexer = self.multiplexer
        let loop = self.channel.eventLoop
        return TestClient { head, body in
            let promise = loop.makePromise(of: TestResponse.self)
            let stream = try await loop.flatSubmit {
                multiplexer.value.createStreamChannel { stream in
                    stream.eventLoop.makeCompletedFuture {
                        try stream.pipeline.syncOperations.addHandlers(
                            HTTP2FramePayloadToHTTPClientCodec(),
                            ResponseCollector(promise: promise)
                        )
                    }
                }
            }.get()
            var head = head
            if body.readableBytes > 0 { head.headerFields[.contentLength] = String(body.readableBytes) }
            stream.write(HTTPRequestPart.head(head), promise: nil)
            if body.readableBytes > 0 { stream.write(HTTPRequestPart.body(body), promise: nil) }
            stream.writeAndFlush(HTTPRequestPart.end(nil), promise: nil)
            return try await promise.futureResult.get()
        }
    }

    func close() async {
        try? await self.channel.close()
    }
}
