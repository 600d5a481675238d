import JourneyCore
import JourneyStageTestSupport
import NIOCore
import NIOEmbedded
import Testing

@testable import JourneyHTTP2

/// The whole HTTP/2 pipeline on an `EmbeddedChannel`, for what FuzzHTTP2 found.
@Suite struct HTTP2ConnectionTests {
    private struct Answer: PreparedResponder {
        func respond(to request: Request, context: RequestContext) -> EventLoopFuture<Response> {
            context.eventLoop.makeSucceededFuture(.text("ok"))
        }

        func preparedResponse(toGET path: Substring, sendsAcceptEncoding: Bool) -> PreparedResponse? {
            PreparedResponse(.text("ok"))
        }
    }

    private static let opening =
        Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0] + [0, 0, 0, 4, 1, 0, 0, 0, 0]

    /// The frames the server wrote, by type.
    private static func frameTypes(_ channel: EmbeddedChannel) -> [UInt8] {
        var bytes: [UInt8] = []
        while let data = try? channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = data { bytes += buffer.readableBytesView }
        }
        var types: [UInt8] = []
        var index = 0
        while bytes.count - index >= 9 {
            let length = Int(bytes[index]) << 16 | Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
            types.append(bytes[index + 3])
            index += 9 + length
        }
        return types
    }

    /// A HEADERS block without the pseudo-fields: swift-nio-http2 resets the stream and reports it closed without
    /// having reported it opened; the connection manager (which asserts every closed stream was open) must not hear
    /// of it, and the connection goes on to a GOAWAY and its close.
    @Test func aStreamRefusedBeforeItOpenedIsNotReportedClosed() throws {
        let channel = EmbeddedChannel()
        try HTTP2Connection(responder: Answer(), fileReader: NoFiles()).configure(channel)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let emptyBlock: [UInt8] = [0, 0, 0, 1, 0x4, 0, 0, 0, 1]
        try channel.writeInbound(ByteBuffer(bytes: Self.opening + emptyBlock))
        channel.embeddedEventLoop.run()
        let types = Self.frameTypes(channel)
        #expect(types.contains(3), "RST_STREAM for the malformed stream")
        _ = try? channel.finish()
    }
}
