import JourneyConnection
import JourneyCore
import JourneyStageTestSupport
import NIOCore
import NIOEmbedded
import NIOHTTP2
import Testing

@testable import JourneyHTTP2

/// A protocol that only records the bytes it is handed.
private struct Recording: ConnectionProtocol {
    final class Sink: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var received = ""
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            self.received += String(buffer: Self.unwrapInboundIn(data))
        }
    }

    let sink = Sink()
    var name: String { "recording" }

    func configure(_ channel: any Channel) throws {
        try channel.pipeline.syncOperations.addHandler(self.sink)
    }
}

@Suite struct PrefaceSnifferTests {
    private func connection() throws -> (EmbeddedChannel, Recording) {
        let http1 = Recording()
        let protocols = PriorKnowledgeConnection(
            http1: http1,
            http2: HTTP2Connection(responder: Router404(), fileReader: NoFiles())
        )
        let channel = EmbeddedChannel()
        try protocols.configure(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, http1)
    }

    @Test func anHTTP1RequestIsHandedOverWholeEvenWhenItArrivesInPieces() throws {
        let (channel, http1) = try self.connection()
        try channel.writeInbound(ByteBuffer(string: "PR"))  // could still be the preface
        #expect(http1.sink.received.isEmpty)
        try channel.writeInbound(ByteBuffer(string: "OPFIND / HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(http1.sink.received == "PROPFIND / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect((try? channel.pipeline.syncOperations.handler(type: PrefaceSniffer.self)) == nil, "the sniffer left")
        try channel.writeInbound(ByteBuffer(string: "GET /next HTTP/1.1\r\n"))
        #expect(http1.sink.received.hasSuffix("GET /next HTTP/1.1\r\n"))
    }

    @Test func thePrefaceStartsHTTP2() throws {
        let (channel, http1) = try self.connection()
        try channel.writeInbound(ByteBuffer(string: "PRI * HTTP/2.0\r\n"))
        #expect((try? channel.pipeline.syncOperations.handler(type: NIOHTTP2Handler.self)) == nil)
        try channel.writeInbound(ByteBuffer(string: "\r\nSM\r\n\r\n"))
        #expect((try? channel.pipeline.syncOperations.handler(type: NIOHTTP2Handler.self)) != nil)
        #expect(http1.sink.received.isEmpty)
        // The server's side of the preface: its SETTINGS frame (type 4 on stream 0).
        let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(written.getInteger(at: written.readerIndex + 3, as: UInt8.self) == 4)
    }
}

/// A responder that is never reached in these tests.
private struct Router404: Responder {
    func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
        context.eventLoop.makeFailedFuture(HTTPError(.notFound))
    }
}
