import JourneyConnection
import JourneyCore
import JourneyHTTP1
import NIOCore
import NIOEmbedded
import Testing

/// A closed connection leaves nothing behind: no handler keeps its pipeline (and so its channel) alive.
@Suite struct HTTP1LifetimeTests {
    struct Hello: Responder {
        func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
            context.eventLoop.makeSucceededFuture(.text("hello"))
        }
    }

    /// `serverCloses`: the client half-closes and the server closes after its answer; otherwise the client closes.
    @Test(arguments: [true, false])
    func aClosedConnectionIsFreed(serverCloses: Bool) throws {
        weak var released: EmbeddedChannel?
        do {
            let channel = EmbeddedChannel()
            try HTTP1Connection(responder: Hello()).configure(channel)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
            if serverCloses { channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
            while (try? channel.readOutbound(as: ByteBuffer.self)) != nil {}
            _ = try? channel.finish()
            // The pipeline is torn down by tasks on the loop, as a real event loop would run them.
            channel.embeddedEventLoop.run()
            released = channel
        }
        #expect(released == nil)
    }
}
